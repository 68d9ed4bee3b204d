// Connection functions (viewer mTLS): the list, and one function's page with
// its code and a test form that runs TestConnectionFunction on a connection
// event built from certificate fields (or written as JSON).
import { cf, txt, all, xml, base64 } from './api.js';
import { h, replace, table } from './ui.js';

// summaries lists every connection function copy, grouped by Id:
// {id: {DEVELOPMENT, LIVE}}. The list takes its paging in an XML body.
async function summaries() {
  const byId = {};
  let marker = '';
  do {
    const req = [['MaxItems', '100']];
    if (marker) req.unshift(['Marker', marker]);
    const { doc } = await cf('POST', 'connection-functions', { body: xml('ListConnectionFunctionsRequest', req) });
    for (const s of all(doc, 'ConnectionFunctionSummary')) (byId[txt(s, 'Id')] ||= {})[txt(s, 'Stage')] = s;
    marker = txt(doc, 'NextMarker');
  } while (marker);
  return byId;
}

export async function connectionsPage(main) {
  const list = h('div', 'Loading…');
  replace(main, h('h2', 'Connection functions'),
    h('p.meta', 'Functions run in the TLS handshake of viewer mTLS distributions. Create them with CreateConnectionFunction.'), list);
  const byId = await summaries();
  const rows = Object.entries(byId).sort(([, a], [, b]) => txt(a.DEVELOPMENT || a.LIVE, 'Name').localeCompare(txt(b.DEVELOPMENT || b.LIVE, 'Name'))).map(([id, s]) => {
    const any = s.DEVELOPMENT || s.LIVE;
    return [
      h('a', { href: '#/connection-functions/' + encodeURIComponent(id) }, txt(any, 'Name')),
      id,
      [s.DEVELOPMENT ? 'DEVELOPMENT' : '', s.LIVE ? ' LIVE' : ''].join(''),
      txt(any, 'Status'),
      txt(any, 'Comment') || '—',
    ];
  });
  replace(list, rows.length ? table(['Name', 'Id', 'Stages', 'Status', 'Comment'], rows, 'connection-functions') : h('p', 'No connection functions yet.'));
}

// buildConnection makes the connection event of the form, as
// TestConnectionFunction takes it; without a certificate the member is left
// out, as CloudFront does in optional mode.
function buildConnection(f) {
  const conn = {};
  if (!f.noCert.checked) {
    conn.clientCertificate = { certificates: { leaf: {
      serialNumber: f.serial.value, issuer: f.issuer.value, subject: f.subject.value,
      validity: { notBefore: f.notBefore.value, notAfter: f.notAfter.value },
      sha256Fingerprint: f.fingerprint.value,
    } } };
  }
  return Object.assign(conn, { clientIp: f.clientIp.value, endpoint: f.endpoint.value, distributionId: f.distributionId.value, connectionId: 'console-test' });
}

function testPanel(fn) {
  const f = {
    noCert: h('input#conn-no-cert', { type: 'checkbox' }),
    serial: h('input#conn-serial', { value: '4a:3f:5c' }),
    subject: h('input#conn-subject', { value: 'C=US, O=Example Corp, CN=device-1' }),
    issuer: h('input#conn-issuer', { value: 'C=US, O=Example Corp, CN=Example CA' }),
    notBefore: h('input#conn-not-before', { value: '2026-01-01T00:00:00Z' }),
    notAfter: h('input#conn-not-after', { value: '2027-01-01T00:00:00Z' }),
    fingerprint: h('input#conn-fingerprint', { placeholder: 'base64url SHA-256' }),
    clientIp: h('input#conn-client-ip', { value: '203.0.113.7' }),
    endpoint: h('input#conn-endpoint', { value: 'd111111abcdef8.cloudfront.net' }),
    distributionId: h('input#conn-distribution', { value: 'E1A2B3C4D5E6F7' }),
  };
  const raw = h('textarea#conn-json.code', { rows: 14 });
  const useRaw = h('input#conn-use-json', { type: 'checkbox' });
  const stage = h('select#conn-test-stage', h('option', 'DEVELOPMENT'), h('option', 'LIVE'));
  const out = h('div#conn-test-result');
  const toJSON = () => { raw.value = JSON.stringify(buildConnection(f), null, 2); useRaw.checked = true; };
  const run = async () => {
    let conn;
    try { conn = useRaw.checked ? JSON.parse(raw.value) : buildConnection(f); } catch (e) {
      replace(out, h('p.error#conn-test-error', 'The connection event is not JSON: ' + e.message));
      return;
    }
    const etag = stage.value === 'LIVE' ? fn.liveETag : fn.devETag;
    if (!etag) { replace(out, h('p.error#conn-test-error', `No ${stage.value} copy to test.`)); return; }
    replace(out, 'Running…');
    try {
      const { doc } = await cf('POST', `connection-function/${encodeURIComponent(fn.id)}/test`, {
        ifMatch: etag,
        body: xml('TestConnectionFunctionRequest', [['Stage', stage.value], ['ConnectionObject', base64(JSON.stringify(conn))]]),
      });
      const output = txt(doc, 'ConnectionFunctionOutput');
      const verdict = output ? JSON.parse(output) : {};
      const err = txt(doc, 'ConnectionFunctionErrorMessage');
      const logs = all(doc, 'member').map((m) => m.textContent);
      replace(out,
        h('p.meta#conn-test-source', `Tested the saved code of ${stage.value} (ETag ${etag})`),
        h('p#conn-test-decision', 'Decision: ', h('strong', verdict.decision || '—')),
        verdict.customLogData ? h('p#conn-test-custom', 'Custom log data: ', verdict.customLogData) : null,
        h('p#conn-test-utilization', 'ComputeUtilization: ', h('strong', txt(doc, 'ComputeUtilization'))),
        err ? h('p.error#conn-test-error', err) : null,
        h('h4', 'Logs'), h('pre#conn-test-logs', logs.length ? logs.join('\n') : '(none)'));
    } catch (e) { replace(out, h('p.error#conn-test-error', `${e.code}: ${e.message}`)); }
  };
  const field = (label, el) => h('label', label, el);
  return h('section.card#conn-test-panel', h('h3', 'Test'),
    h('div.grid2',
      h('div.form', h('label.check', f.noCert, ' No client certificate'), field('Serial number', f.serial), field('Subject', f.subject),
        field('Issuer', f.issuer), field('Not before', f.notBefore), field('Not after', f.notAfter), field('SHA-256 fingerprint', f.fingerprint),
        field('Client IP', f.clientIp), field('Endpoint', f.endpoint), field('Distribution id', f.distributionId),
        h('button', { type: 'button', onclick: toJSON }, 'Edit as JSON →')),
      h('div.form', h('label.check', useRaw, ' Send the raw JSON connection event'), raw)),
    h('div.inline', field('Stage', stage), h('button#conn-run-test', { type: 'button', onclick: run }, 'Test connection function')),
    out);
}

export async function connectionPage(main, id) {
  const fn = { id, devETag: '', liveETag: '' };
  const describe = async (stage) => {
    try {
      return await cf('GET', `connection-function/${encodeURIComponent(id)}/describe?Stage=${stage}`);
    } catch (e) {
      if (e.status === 404) return null;
      throw e;
    }
  };
  const [dev, live] = await Promise.all([describe('DEVELOPMENT'), describe('LIVE')]);
  if (!dev && !live) { replace(main, h('p.error', 'No connection function ' + id)); return; }
  fn.devETag = dev ? dev.etag : '';
  fn.liveETag = live ? live.etag : '';
  const any = (dev || live).doc;
  const code = (await cf('GET', `connection-function/${encodeURIComponent(id)}?Stage=${dev ? 'DEVELOPMENT' : 'LIVE'}`)).text;
  replace(main,
    h('h2', h('a', { href: '#/connection-functions' }, 'Connection functions'), ' / ', txt(any, 'Name')),
    h('p.meta#conn-meta', [dev ? `DEVELOPMENT · ETag ${dev.etag}` : 'no DEVELOPMENT copy', live ? ` · LIVE · ETag ${live.etag}` : ' · not published yet'].join('')),
    h('section.card', h('h3', dev ? 'DEVELOPMENT code' : 'LIVE code'), h('pre.code#conn-code', code)),
    testPanel(fn));
}
