// Distributions: the list, and one distribution's page: its aliases, origins
// and behaviors with their cache and origin request policies and functions
// (associated there, through UpdateDistribution with the ETag the page
// loaded), its invalidations, and live charts of its request, error and
// cache-hit rates and of its functions, from the edge's metrics.
import { cf, cfPages, txt, all, xml, consoleJSON } from './api.js';
import { h, replace, table, status } from './ui.js';

const POLL_MS = 2000;
const HISTORY = 60; // points a chart keeps
const EVENT_TYPES = ['viewer-request', 'viewer-response'];

function behavior(el, path) {
  return {
    path,
    functions: all(el, 'FunctionAssociation').map((a) => ({ arn: txt(a, 'FunctionARN'), eventType: txt(a, 'EventType') })),
  };
}

// listDistributions reads every distribution of the account with its behaviors.
export async function listDistributions() {
  const out = [];
  await cfPages('distribution?MaxItems=100', (doc) => {
    for (const d of all(doc, 'DistributionSummary')) {
      const def = d.getElementsByTagName('DefaultCacheBehavior')[0];
      out.push({
        id: txt(d, 'Id'), domain: txt(d, 'DomainName'), status: txt(d, 'Status'), enabled: txt(d, 'Enabled'),
        aliases: all(d, 'CNAME').map((e) => e.textContent),
        behaviors: [
          ...all(d, 'CacheBehavior').map((b) => behavior(b, txt(b, 'PathPattern'))),
          ...(def ? [behavior(def, 'Default (*)')] : []),
        ],
      });
    }
  });
  return out;
}

// barChart draws one bar per poll, newest at the right, scaled to the largest.
function barChart(values, label, unit, metric) {
  const w = 240, ht = 48, step = w / HISTORY;
  const top = Math.max(1, ...values);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${ht}`);
  svg.setAttribute('class', 'spark');
  values.forEach((v, i) => {
    const bar = document.createElementNS(ns, 'rect');
    const barHt = v > 0 ? Math.max(1, (v / top) * (ht - 2)) : 0;
    bar.setAttribute('x', String(w - (values.length - i) * step));
    bar.setAttribute('y', String(ht - barHt));
    bar.setAttribute('width', String(step - 1));
    bar.setAttribute('height', String(barHt));
    svg.append(bar);
  });
  const last = values.length ? values[values.length - 1] : 0;
  return h('figure', { 'data-metric': metric },
    h('figcaption', `${label}: ${Number.isInteger(last) ? last : last.toFixed(1)}${unit} (max ${top.toFixed(0)})`), svg);
}

// differ keeps the counters of each series between polls and returns their
// differences. Counters seen at the first poll predate the page: no
// difference (null). A series first seen later is new traffic: it counts
// from zero, so its first burst is charted.
function differ() {
  const prevs = {};
  return (key, now, first) => {
    let prev = prevs[key];
    if (!prev && !first) prev = Object.fromEntries(Object.keys(now).map((k) => [k, 0]));
    prevs[key] = now;
    return prev ? Object.fromEntries(Object.keys(now).map((k) => [k, now[k] - prev[k]])) : null;
  };
}

const percent = (part, whole) => (whole > 0 ? (100 * part) / whole : 0);

// charts polls the metrics of one distribution and redraws its request
// rates (into rateBox) and its functions' charts (into fnBox); it returns
// the function that stops it.
function charts(distId, rateBox, fnBox) {
  const diff = differ();
  const push = (a, v) => { a.push(v); if (a.length > HISTORY) a.shift(); };
  const rates = { req: [], e4: [], e5: [], hit: [], s: null };
  const fns = {}; // function name -> {inv: [], err: [], util: [], s}
  let stopped = false, timer = 0, first = true;
  const tick = async () => {
    try {
      const m = await consoleJSON('GET', 'metrics');
      const d = m.distributions.find((x) => x.distributionId === distId);
      if (d) {
        const dd = diff('dist', { requests: d.requests, e4: d.errors4xx, e5: d.errors5xx, hits: d.cacheHits, misses: d.cacheMisses }, first);
        if (dd) {
          push(rates.req, dd.requests);
          push(rates.e4, percent(dd.e4, dd.requests));
          push(rates.e5, percent(dd.e5, dd.requests));
          push(rates.hit, percent(dd.hits, dd.hits + dd.misses));
        }
        rates.s = d;
      }
      for (const s of m.functions.filter((x) => x.distributionId === distId)) {
        const fs = (fns[s.functionName] ||= { inv: [], err: [], util: [], s });
        const errors = s.validationErrors + s.executionErrors + s.throttles;
        const fd = diff('fn ' + s.functionName, { invocations: s.invocations, errors, usum: s.utilizationSum, ucount: s.utilizationCount }, first);
        if (fd) {
          push(fs.inv, fd.invocations);
          push(fs.err, fd.errors);
          push(fs.util, fd.ucount > 0 ? fd.usum / fd.ucount : 0);
        }
        fs.s = s;
        fs.errors = errors;
      }
      first = false;
      draw();
    } catch (e) {
      replace(fnBox, h('p.error', 'metrics: ' + e.message));
    }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  const draw = () => {
    const s = rates.s;
    replace(rateBox, s ? h('div.card#dist-rates', { 'data-requests': String(s.requests), 'data-hits': String(s.cacheHits), 'data-errors': String(s.errors4xx + s.errors5xx) },
      h('p.meta', `${s.requests} requests: ${s.errors4xx} 4xx, ${s.errors5xx} 5xx; ${s.cacheHits} cache hits, ${s.cacheMisses} misses in total`),
      h('div.charts', barChart(rates.req, 'Requests', '/poll', 'requests'), barChart(rates.e4, '4xx error rate', '%', 'errors4xx'),
        barChart(rates.e5, '5xx error rate', '%', 'errors5xx'), barChart(rates.hit, 'Cache hit rate', '%', 'cachehits')))
      : h('p', 'No viewer request has reached this distribution yet.'));
    const names = Object.keys(fns).sort();
    replace(fnBox, names.length ? names.map((n) => {
      const fs = fns[n];
      return h('div.card.chart', { 'data-function': n, 'data-distribution': distId, 'data-invocations': String(fs.s.invocations) },
        h('h4', n),
        h('p.meta', `${fs.s.invocations} invocations, ${fs.errors} errors in total`),
        h('div.charts', barChart(fs.inv, 'Invocations', '/poll', 'invocations'), barChart(fs.err, 'Errors', '/poll', 'errors'),
          barChart(fs.util, 'ComputeUtilization', '%', 'utilization')));
    }) : h('p', 'No function has run at the edge yet.'));
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

export async function distributionsPage(main) {
  const list = h('div', 'Loading…');
  replace(main, h('h2', 'Distributions'), list);
  const ds = await listDistributions();
  replace(list, ds.length ? ds.map((d) => h('section.card.distribution', { 'data-id': d.id },
    h('h3', h('a', { href: '#/distributions/' + encodeURIComponent(d.id) }, d.id), ' ', h('small', d.domain, ' · ', d.status)),
    d.aliases.length ? h('p.meta', 'Aliases: ' + d.aliases.join(', ')) : null,
    table(['Behavior', 'Functions'], d.behaviors.map((b) => [b.path,
      b.functions.length ? b.functions.map((f) => {
        const name = f.arn.split('/').pop();
        return h('div', h('a', { href: '#/functions/' + encodeURIComponent(name) }, name), ` (${f.eventType})`);
      }) : '—'])))) : h('p', 'No distributions.'));
}

// child is el's first child element named name, or null: configurations
// nest elements of the same name (Items, Quantity), so lookups stay one level
// deep.
function child(el, name) {
  for (const c of el ? el.children : []) if (c.localName === name) return c;
  return null;
}

function childText(el, name) {
  const c = child(el, name);
  return c ? c.textContent : '';
}

// items are the entries of a wrapped list (<name><Quantity/><Items>…).
function items(el, name) {
  return Array.from(child(child(el, name), 'Items')?.children || []);
}

// policyNames maps the ids of the account's cache or origin request
// policies (managed and custom) to their names.
async function policyNames(path, root) {
  const names = {};
  await cfPages(`${path}?MaxItems=100`, (doc) => {
    for (const s of all(doc, root + 'Summary')) names[txt(s, 'Id')] = txt(s, 'Name');
  });
  return names;
}

// liveFunctions lists the published functions, which behaviors can run.
async function liveFunctions() {
  const out = [];
  await cfPages('function?Stage=LIVE&MaxItems=100', (doc) => {
    for (const s of all(doc, 'FunctionSummary')) out.push({ name: txt(s, 'Name'), arn: txt(s, 'FunctionARN') });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// setAssociations replaces a behavior's FunctionAssociations in the
// configuration document.
function setAssociations(doc, el, list) {
  const ns = doc.documentElement.namespaceURI;
  const mk = (name, ...kids) => {
    const e = doc.createElementNS(ns, name);
    e.append(...kids);
    return e;
  };
  const fa = mk('FunctionAssociations', mk('Quantity', String(list.length)));
  if (list.length) fa.append(mk('Items', ...list.map((a) => mk('FunctionAssociation', mk('FunctionARN', a.arn), mk('EventType', a.eventType)))));
  const old = child(el, 'FunctionAssociations');
  if (old) old.replaceWith(fa); else el.append(fa);
}

function policyLabel(names, id, legacy) {
  if (!id) return legacy ? 'Legacy cache settings (ForwardedValues)' : '—';
  return names[id] ? `${names[id]} (${id})` : id;
}

// invalidations shows a distribution's invalidation history with a form to
// create one.
function invalidations(id) {
  const paths = h('textarea.code#invalidation-paths', { rows: 3, placeholder: '/index.html\n/images/*' });
  const msg = h('p.status#invalidation-status');
  const history = h('div#invalidation-history', 'Loading…');
  const load = async () => {
    const { doc } = await cf('GET', `distribution/${encodeURIComponent(id)}/invalidation?MaxItems=25`);
    const sums = all(doc, 'InvalidationSummary').map((s) => ({ id: txt(s, 'Id'), status: txt(s, 'Status'), created: txt(s, 'CreateTime') }));
    // The summaries carry no paths: each one is read for them.
    const full = await Promise.all(sums.map((s) => cf('GET', `distribution/${encodeURIComponent(id)}/invalidation/${encodeURIComponent(s.id)}`)));
    replace(history, sums.length ? table(['Invalidation', 'Status', 'Created', 'Paths'],
      sums.map((s, i) => [s.id, s.status, s.created, all(full[i].doc, 'Path').map((p) => p.textContent).join(' ')]), 'invalidations')
      : h('p', 'No invalidations yet.'));
  };
  const create = async () => {
    const list = paths.value.split('\n').map((p) => p.trim()).filter(Boolean);
    if (!list.length) { status(msg, 'Name at least one path.', true); return; }
    try {
      const { doc } = await cf('POST', `distribution/${encodeURIComponent(id)}/invalidation`, {
        body: xml('InvalidationBatch', [['Paths', [['Quantity', String(list.length)], ['Items', list.map((p) => ['Path', p])]]],
          ['CallerReference', 'console-' + Date.now() + '-' + Math.random().toString(36).slice(2)]]),
      });
      paths.value = '';
      status(msg, `Created invalidation ${txt(doc, 'Id')} (${txt(doc, 'Status')})`);
      await load();
    } catch (e) { status(msg, `${e.code}: ${e.message}`, true); }
  };
  load().catch((e) => replace(history, h('p.error', `${e.code}: ${e.message}`)));
  return h('section.card', h('h3', 'Invalidations'),
    h('div.form', h('label', 'Paths (one per line)', paths)), h('button#create-invalidation', { onclick: create }, 'Create invalidation'),
    msg, history);
}

export async function distributionPage(main, id) {
  const msg = h('p.status#dist-status');
  const body = h('div', 'Loading…');
  const rateBox = h('div#dist-charts');
  const fnBox = h('div#charts');
  replace(main, h('h2', h('a', { href: '#/distributions' }, 'Distributions'), ' / ', id), msg, body,
    invalidations(id), h('section.card', h('h3', 'Rates (live)'), rateBox, h('h3', 'Functions (live)'), fnBox));
  let selects = []; // per behavior, per event type
  let loaded = null; // {doc, etag, behaviors}
  let edited = false;

  const load = async () => {
    const [{ doc, etag }, dist, cachePolicies, originPolicies, fns] = await Promise.all([
      cf('GET', `distribution/${encodeURIComponent(id)}/config`),
      cf('GET', `distribution/${encodeURIComponent(id)}`),
      policyNames('cache-policy', 'CachePolicy'),
      policyNames('origin-request-policy', 'OriginRequestPolicy'),
      liveFunctions(),
    ]);
    const cfg = doc.documentElement;
    const els = [...items(cfg, 'CacheBehaviors'), child(cfg, 'DefaultCacheBehavior')].filter(Boolean);
    loaded = { doc, etag, behaviors: els };
    edited = false;
    const aliases = items(cfg, 'Aliases').map((e) => e.textContent);
    const origins = items(cfg, 'Origins').map((o) => {
      const custom = child(o, 'CustomOriginConfig');
      return [childText(o, 'Id'), childText(o, 'DomainName'), childText(o, 'OriginPath') || '/',
        custom ? `custom · ${childText(custom, 'OriginProtocolPolicy')} · HTTP ${childText(custom, 'HTTPPort')}, HTTPS ${childText(custom, 'HTTPSPort')}`
          : child(o, 'S3OriginConfig') ? 'S3' : '—'];
    });
    selects = els.map((el) => {
      const current = Object.fromEntries(items(el, 'FunctionAssociations').map((a) => [childText(a, 'EventType'), childText(a, 'FunctionARN')]));
      return EVENT_TYPES.map((type) => {
        const known = fns.some((f) => f.arn === current[type]);
        const sel = h('select.association', { 'data-event-type': type, onchange: () => { edited = true; } },
          h('option', { value: '' }, '(none)'),
          fns.map((f) => h('option', { value: f.arn }, f.name)),
          current[type] && !known ? h('option', { value: current[type] }, current[type].split('/').pop() + ' (not published)') : null);
        sel.value = current[type] || '';
        return sel;
      });
    });
    const d = dist.doc;
    replace(body,
      h('section.card#dist-general',
        h('p', h('strong', txt(d, 'DomainName')), ` · ${txt(d, 'Status')} · ${childText(cfg, 'Enabled') === 'true' ? 'enabled' : 'disabled'} · ETag ${etag}`),
        h('p#dist-aliases', 'Aliases: ', aliases.length ? aliases.join(', ') : '(none)'),
        childText(cfg, 'Comment') ? h('p.meta', childText(cfg, 'Comment')) : null),
      h('section.card', h('h3', 'Origins'), table(['Origin', 'Domain', 'Path', 'Type'], origins, 'dist-origins')),
      h('section.card', h('h3', 'Behaviors'),
        table(['Path pattern', 'Origin', 'Viewer protocol', 'Cache policy', 'Origin request policy', 'Viewer request', 'Viewer response'],
          els.map((el, i) => [
            childText(el, 'PathPattern') || 'Default (*)', childText(el, 'TargetOriginId'), childText(el, 'ViewerProtocolPolicy'),
            policyLabel(cachePolicies, childText(el, 'CachePolicyId'), !!child(el, 'ForwardedValues')),
            policyLabel(originPolicies, childText(el, 'OriginRequestPolicyId'), false),
            selects[i][0], selects[i][1],
          ]), 'dist-behaviors'),
        h('div.inline', h('button#save-associations', { onclick: save }, 'Save function associations'),
          h('span.meta', 'Only published (LIVE) functions run at the edge.'))));
  };
  // save puts the loaded configuration back with the behaviors' new
  // functions and the ETag it was loaded with: a change made meanwhile by
  // someone else is refused (PreconditionFailed), not overwritten.
  const save = async () => {
    loaded.behaviors.forEach((el, i) => setAssociations(loaded.doc, el,
      selects[i].map((sel, j) => ({ arn: sel.value, eventType: EVENT_TYPES[j] })).filter((a) => a.arn)));
    try {
      status(msg, 'Saving…');
      const { etag } = await cf('PUT', `distribution/${encodeURIComponent(id)}/config`, { ifMatch: loaded.etag, body: new XMLSerializer().serializeToString(loaded.doc) });
      await load();
      status(msg, 'Saved the function associations: ETag ' + etag);
    } catch (e) {
      // The selections stay: after a PreconditionFailed, reloading the page
      // shows the configuration as it is now.
      status(msg, `${e.code}: ${e.message}`, true);
    }
  };
  await load();
  const stop = charts(id, rateBox, fnBox);
  return { stop, dirty: () => edited };
}
