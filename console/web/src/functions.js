// Functions: the list, and one function's page with DEVELOPMENT and LIVE side
// by side, the editor, the test panel and publishing.
import { cf, cfPages, txt, all, xml, base64 } from './api.js';
import { h, replace, table, status } from './ui.js';
import { newEditor } from './editor.js';
import { diffLines } from './diff.js';
import { listDistributions } from './distributions.js';
import { listStores } from './kvs.js';

const TEMPLATE = `function handler(event) {
    var request = event.request;
    request.headers['x-edgefn'] = { value: 'console' };
    return request;
}
`;

// summaries lists every function copy, grouped by name: {name: {DEVELOPMENT, LIVE}}.
async function summaries() {
  const byName = {};
  await cfPages('function?MaxItems=100', (doc) => {
    for (const s of all(doc, 'FunctionSummary')) {
      const name = txt(s, 'Name');
      (byName[name] ||= {})[txt(s, 'Stage')] = s;
    }
  });
  return byName;
}

// usersOf maps function ARNs to the "distribution behavior event" places that use them.
async function usersOf() {
  const users = {};
  for (const d of await listDistributions()) {
    for (const b of d.behaviors) {
      for (const a of b.functions) (users[a.arn] ||= []).push(`${d.id} ${b.path} (${a.eventType})`);
    }
  }
  return users;
}

function storeARNs(summary) {
  return all(summary, 'KeyValueStoreARN').map((e) => e.textContent);
}

export async function functionsPage(main) {
  const msg = h('p.status');
  // pattern is compiled with the v flag (current Chromium), where a literal
  // '-' in a class must be escaped.
  const name = h('input#new-function-name', { placeholder: 'name', required: true, pattern: '[a-zA-Z0-9_\\-]{1,64}' });
  const runtime = h('select#new-function-runtime', h('option', { value: 'cloudfront-js-2.0' }, 'cloudfront-js-2.0'), h('option', { value: 'cloudfront-js-1.0' }, 'cloudfront-js-1.0'));
  const create = h('form.inline#create-function', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await cf('POST', 'function', { body: xml('CreateFunctionRequest', [['Name', name.value], ['FunctionConfig', [['Comment', ''], ['Runtime', runtime.value]]], ['FunctionCode', base64(TEMPLATE)]]) });
        location.hash = '#/functions/' + encodeURIComponent(name.value);
      } catch (err) { status(msg, err.message, true); }
    },
  }, name, runtime, h('button', { type: 'submit' }, 'Create function'));
  const list = h('div', 'Loading…');
  replace(main, h('h2', 'Functions'), create, msg, list);
  const [byName, users] = await Promise.all([summaries(), usersOf()]);
  const rows = Object.keys(byName).sort().map((n) => {
    const dev = byName[n].DEVELOPMENT, live = byName[n].LIVE, any = dev || live;
    return [
      h('a', { href: '#/functions/' + encodeURIComponent(n) }, n),
      [dev ? 'DEVELOPMENT' : '', live ? ' LIVE' : ''].join(''),
      txt(any, 'Status'),
      txt(any, 'Runtime'),
      txt(dev || any, 'Comment') || '—',
      [...storeARNs(any).map((a) => 'KVS ' + a.split('/').pop()), ...(users[txt(live || any, 'FunctionARN')] || [])].join(', ') || '—',
    ];
  });
  replace(list, rows.length ? table(['Name', 'Stages', 'Status', 'Runtime', 'Comment', 'Associations'], rows, 'functions') : h('p', 'No functions yet.'));
}

// buildEvent makes the viewer event of the form, as CloudFront hands it to a
// function.
function buildEvent(f) {
  const pairs = (text, sep, kv) => Object.fromEntries(text.split(sep).map((s) => s.trim()).filter(Boolean).map((s) => {
    const i = s.indexOf(kv);
    return i < 0 ? [s, { value: '' }] : [s.slice(0, i).trim(), { value: s.slice(i + 1).trim() }];
  }));
  const request = {
    method: f.method.value,
    uri: f.uri.value,
    querystring: pairs(f.query.value, '&', '='),
    headers: Object.fromEntries(Object.entries(pairs(f.headers.value, '\n', ':')).map(([k, v]) => [k.toLowerCase(), v])),
    cookies: pairs(f.cookies.value, ';', '='),
  };
  const ev = { version: '1.0', context: { eventType: f.eventType.value }, viewer: { ip: '198.51.100.10' }, request };
  if (f.eventType.value === 'viewer-response') {
    ev.response = { statusCode: Number(f.statusCode.value) || 200, statusDescription: 'OK', headers: {}, cookies: {} };
  }
  return ev;
}

// testPanel runs TestFunction. TestFunction runs a stored copy, so with
// edits in the editor, testing DEVELOPMENT saves them first (the button says
// so) and the result names the ETag it ran, as AWS's console tests the saved
// code after asking to save.
function testPanel(fn) {
  const f = {
    eventType: h('select#event-type', h('option', 'viewer-request'), h('option', 'viewer-response')),
    method: h('select#event-method', ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'].map((m) => h('option', m))),
    uri: h('input#event-uri', { value: '/index.html' }),
    query: h('input#event-query', { placeholder: 'a=1&b=2' }),
    headers: h('textarea#event-headers', { rows: 3, placeholder: 'host: example.com' }, 'host: example.com'),
    cookies: h('input#event-cookies', { placeholder: 'session=abc; theme=dark' }),
    statusCode: h('input#event-status', { value: '200', size: 4 }),
  };
  const raw = h('textarea#event-json.code', { rows: 14 });
  const useRaw = h('input#event-use-json', { type: 'checkbox' });
  const stage = h('select#test-stage', h('option', 'DEVELOPMENT'), h('option', 'LIVE'));
  const out = h('div#test-result');
  const toJSON = () => { raw.value = JSON.stringify(buildEvent(f), null, 2); useRaw.checked = true; };
  const run = async () => {
    let ev;
    try { ev = useRaw.checked ? JSON.parse(raw.value) : buildEvent(f); } catch (e) {
      replace(out, h('p.error#test-error', 'The event is not JSON: ' + e.message));
      return;
    }
    let saved = false;
    if (stage.value === 'DEVELOPMENT' && fn.dirty()) {
      replace(out, 'Saving…');
      if (!(await fn.save())) {
        replace(out, h('p.error#test-error', 'Not tested: the edits could not be saved (see above).'));
        return;
      }
      saved = true;
    }
    replace(out, 'Running…');
    const etag = stage.value === 'LIVE' ? fn.liveETag : fn.devETag;
    try {
      const { doc, headers } = await cf('POST', `function/${encodeURIComponent(fn.name)}/test`, {
        ifMatch: etag,
        body: xml('TestFunctionRequest', [['Stage', stage.value], ['EventObject', base64(JSON.stringify(ev))]]),
      });
      showResult(out, ev, doc, (saved ? 'Saved the editor\'s code, then tested ' : 'Tested the saved code of ') + `${stage.value} (ETag ${etag})`,
        errorPlace(headers.get('X-Edgefn-Error-Position'), fn.editorOf(stage.value)));
    } catch (e) { replace(out, h('p.error#test-error', `${e.code}: ${e.message}`)); }
  };
  fn.onDirty = () => {
    runButton.textContent = stage.value === 'DEVELOPMENT' && fn.dirty() ? 'Save and test' : 'Test function';
  };
  stage.addEventListener('change', () => fn.onDirty());
  const runButton = h('button#run-test', { type: 'button', onclick: run }, 'Test function');
  const field = (label, el) => h('label', label, el);
  return h('section.card#test-panel', h('h3', 'Test'),
    h('div.grid2',
      h('div.form', field('Event type', f.eventType), field('Method', f.method), field('URI', f.uri), field('Query string', f.query),
        field('Headers (one per line)', f.headers), field('Cookies', f.cookies), field('Response status', f.statusCode),
        h('button', { type: 'button', onclick: toJSON }, 'Edit as JSON →')),
      h('div.form', h('label.check', useRaw, ' Send the raw JSON event'), raw)),
    h('div.inline', field('Stage', stage), runButton),
    out);
}

// errorPlace shows where a run threw: the console's TestFunction answers
// carry the position in a header (FunctionErrorMessage stays CloudFront's),
// shown with a frame of the code that ran and a link into its editor.
function errorPlace(position, editor) {
  const m = /^(\d+):(\d+)$/.exec(position || '');
  if (!m || !editor) return null;
  const line = Number(m[1]), column = Number(m[2]);
  const lines = editor.value.split('\n');
  const width = String(Math.min(line + 1, lines.length)).length;
  const frame = [];
  for (let n = Math.max(line - 1, 1); n <= Math.min(line + 1, lines.length); n++) {
    frame.push(`${n === line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === line) frame.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(column - 1, 0))}^`);
  }
  return h('div#test-error-place',
    h('a#test-error-position', { href: '#', onclick: (e) => { e.preventDefault(); editor.reveal(line, column); } }, `at line ${line}, column ${column}`),
    h('pre#test-error-frame', frame.join('\n')));
}

function showResult(out, ev, doc, source, place) {
  const err = txt(doc, 'FunctionErrorMessage');
  const logs = all(doc, 'member').map((m) => m.textContent);
  const output = txt(doc, 'FunctionOutput');
  let diff = null;
  if (output) {
    const got = JSON.parse(output);
    // A viewer-response function returns the response; a viewer-request one
    // the request (or a response of its own, which then shows as all new).
    const before = ev.response ? { response: ev.response } : { request: ev.request };
    diff = h('pre.diff#test-diff', diffLines(before, got).map((l) => h('span.' + ({ ' ': 'same', '-': 'del', '+': 'add' })[l.op], l.op + ' ' + l.text + '\n')));
  }
  replace(out,
    h('p.meta#test-source', source),
    h('p#test-utilization', 'ComputeUtilization: ', h('strong', txt(doc, 'ComputeUtilization'))),
    err ? h('p.error#test-error', err) : null,
    err ? place : null,
    h('h4', 'Logs'), h('pre#test-logs', logs.length ? logs.join('\n') : '(none)'),
    h('h4', 'Output against the event'), diff || h('p', '(no output)'));
}

export async function functionPage(main, name) {
  // saved is what the DEVELOPMENT copy holds, to tell unsaved edits.
  const fn = { name, devETag: '', liveETag: '', saved: null, onDirty: () => {} };
  const msg = h('p.status#function-status');
  const problems = h('ul.problems#problems');
  const devBox = h('div.editor#dev-editor');
  const liveBox = h('div.editor#live-editor');
  const runtime = h('select#function-runtime', h('option', 'cloudfront-js-2.0'), h('option', 'cloudfront-js-1.0'));
  const store = h('select#function-kvs', h('option', { value: '' }, '(no KeyValueStore)'));
  const comment = h('input#function-comment', { maxlength: 128, size: 40, placeholder: 'comment' });
  const form = () => ({ code: editor ? editor.value : '', comment: comment.value, runtime: runtime.value, store: store.value });
  fn.dirty = () => fn.saved !== null && JSON.stringify(form()) !== JSON.stringify(fn.saved);
  // editorOf is the editor showing a stage's saved code (DEVELOPMENT's once
  // saved: Test saves edits first).
  fn.editorOf = (stage) => (stage === 'LIVE' ? liveEditor : editor);
  const meta = h('p.meta#function-meta');
  const liveMeta = h('p.meta#live-meta');
  let editor = null, liveEditor = null;

  const describe = async (stage) => {
    try {
      const { doc, etag } = await cf('GET', `function/${encodeURIComponent(name)}/describe?Stage=${stage}`);
      return { doc, etag };
    } catch (e) {
      if (e.status === 404) return null;
      throw e;
    }
  };
  const code = async (stage) => (await cf('GET', `function/${encodeURIComponent(name)}?Stage=${stage}`)).text;
  const load = async () => {
    const [dev, live, stores] = await Promise.all([describe('DEVELOPMENT'), describe('LIVE'), listStores()]);
    if (!dev) { replace(main, h('p.error', 'No function ' + name)); return false; }
    fn.devETag = dev.etag;
    runtime.value = txt(dev.doc, 'Runtime');
    const arns = all(dev.doc, 'KeyValueStoreARN').map((e) => e.textContent);
    replace(store, h('option', { value: '' }, '(no KeyValueStore)'), stores.map((s) => h('option', { value: s.arn }, s.name)));
    store.value = arns[0] || '';
    comment.value = txt(dev.doc, 'Comment');
    meta.textContent = `DEVELOPMENT · ${txt(dev.doc, 'Status')} · ETag ${dev.etag} · modified ${txt(dev.doc, 'LastModifiedTime')}`;
    const devCode = await code('DEVELOPMENT');
    if (editor) editor.value = devCode; else editor = newEditor(devBox, devCode, () => runtime.value, showProblems, false, () => fn.onDirty());
    fn.saved = form();
    fn.onDirty();
    if (live) {
      fn.liveETag = live.etag;
      liveMeta.textContent = `LIVE · ${txt(live.doc, 'Runtime')} · ${txt(live.doc, 'Comment') || 'no comment'} · ETag ${live.etag} · modified ${txt(live.doc, 'LastModifiedTime')}`;
      const liveCode = await code('LIVE');
      if (liveEditor) liveEditor.value = liveCode; else liveEditor = newEditor(liveBox, liveCode, null, null, true);
    } else {
      liveMeta.textContent = 'LIVE · not published yet';
    }
    return true;
  };
  const showProblems = (list) => {
    replace(problems, list.map((p) => h('li.error', `line ${p.Line}:${p.Column} ${p.Message}`)));
  };
  // save sends the form with the ETag it was loaded with and reports
  // "Saved" only once the new copy and its ETag are loaded, so that a
  // Publish right after it names the right ETag. It resolves to success.
  fn.save = async () => {
    const cfg = [['Comment', comment.value], ['Runtime', runtime.value]];
    if (store.value) cfg.push(['KeyValueStoreAssociations', [['Quantity', '1'], ['Items', [['KeyValueStoreAssociation', [['KeyValueStoreARN', store.value]]]]]]]);
    try {
      status(msg, 'Saving…');
      await cf('PUT', `function/${encodeURIComponent(name)}`, { ifMatch: fn.devETag, body: xml('UpdateFunctionRequest', [['FunctionConfig', cfg], ['FunctionCode', base64(editor.value)]]) });
      await load();
      editor.recheck();
      status(msg, 'Saved: ETag ' + fn.devETag);
      return true;
    } catch (e) {
      status(msg, `${e.code}: ${e.message}`, true);
      return false;
    }
  };
  const save = () => fn.save();
  const publish = async () => {
    try {
      await cf('POST', `function/${encodeURIComponent(name)}/publish`, { ifMatch: fn.devETag });
      status(msg, 'Published to LIVE');
      await load();
    } catch (e) { status(msg, `${e.code}: ${e.message}`, true); }
  };
  const remove = async () => {
    if (!confirm('Delete function ' + name + '?')) return;
    try {
      await cf('DELETE', `function/${encodeURIComponent(name)}`, { ifMatch: fn.devETag });
      location.hash = '#/functions';
    } catch (e) { status(msg, `${e.code}: ${e.message}`, true); }
  };
  runtime.addEventListener('change', () => { if (editor) editor.recheck(); fn.onDirty(); });
  store.addEventListener('change', () => fn.onDirty());
  comment.addEventListener('input', () => fn.onDirty());
  // Closing or reloading the tab with unsaved edits asks first.
  const beforeUnload = (e) => {
    if (fn.dirty()) { e.preventDefault(); e.returnValue = ''; }
  };
  window.addEventListener('beforeunload', beforeUnload);
  replace(main,
    h('h2', h('a', { href: '#/functions' }, 'Functions'), ' / ', name),
    h('div.inline', h('label', 'Runtime ', runtime), h('label', 'KeyValueStore ', store), h('label', 'Comment ', comment),
      h('button#save-function', { onclick: save }, 'Save'), h('button#publish-function', { onclick: publish }, 'Publish'),
      h('button.danger', { onclick: remove }, 'Delete')),
    msg,
    h('div.grid2#stages',
      h('section.card', h('h3', 'DEVELOPMENT'), meta, devBox, problems),
      h('section.card', h('h3', 'LIVE'), liveMeta, liveBox)),
    testPanel(fn));
  await load();
  return { stop: () => window.removeEventListener('beforeunload', beforeUnload), dirty: fn.dirty };
}
