// Distributions: each one's behaviors with their functions, and live charts of
// its functions' invocations, errors and compute utilization from the edge's
// metrics.
import { cf, txt, all, consoleJSON } from './api.js';
import { h, replace, table } from './ui.js';

const POLL_MS = 2000;
const HISTORY = 60; // points a chart keeps

function behavior(el, path) {
  return {
    path,
    functions: all(el, 'FunctionAssociation').map((a) => ({ arn: txt(a, 'FunctionARN'), eventType: txt(a, 'EventType') })),
  };
}

// listDistributions reads every distribution of the account with its behaviors.
export async function listDistributions() {
  const out = [];
  let marker = '';
  do {
    const { doc } = await cf('GET', 'distribution?MaxItems=100' + (marker ? '&Marker=' + encodeURIComponent(marker) : ''));
    for (const d of all(doc, 'DistributionSummary')) {
      const def = d.getElementsByTagName('DefaultCacheBehavior')[0];
      out.push({
        id: txt(d, 'Id'), domain: txt(d, 'DomainName'), status: txt(d, 'Status'), enabled: txt(d, 'Enabled'),
        behaviors: [
          ...all(d, 'CacheBehavior').map((b) => behavior(b, txt(b, 'PathPattern'))),
          ...(def ? [behavior(def, 'Default (*)')] : []),
        ],
      });
    }
    marker = txt(doc, 'NextMarker');
  } while (marker);
  return out;
}

// barChart draws one bar per poll, newest at the right, scaled to the largest.
function barChart(values, label, unit) {
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
  return h('figure', h('figcaption', `${label}: ${Number.isInteger(last) ? last : last.toFixed(1)}${unit} (max ${top.toFixed(0)})`), svg);
}

// charts polls the metrics and redraws; it returns the function that stops it.
function charts(el) {
  const history = {}; // "dist fn" -> {prev, inv: [], err: [], util: []}
  let stopped = false, timer = 0, first = true;
  const tick = async () => {
    try {
      const m = await consoleJSON('GET', 'metrics');
      for (const s of m.functions) {
        const k = s.distributionId + ' ' + s.functionName;
        const hs = (history[k] ||= { prev: null, inv: [], err: [], util: [], s });
        const errors = s.validationErrors + s.executionErrors + s.throttles;
        // A series that appears after the first poll is a function's first
        // traffic: its counts so far are this poll's, from zero. (Counts
        // seen at the first poll are from before the page: no bar.)
        if (!hs.prev && !first) hs.prev = { invocations: 0, errors: 0, utilizationCount: 0, utilizationSum: 0 };
        if (hs.prev) {
          const dc = s.utilizationCount - hs.prev.utilizationCount;
          push(hs.inv, s.invocations - hs.prev.invocations);
          push(hs.err, errors - hs.prev.errors);
          push(hs.util, dc > 0 ? (s.utilizationSum - hs.prev.utilizationSum) / dc : 0);
        }
        hs.prev = { ...s, errors };
        hs.s = s;
      }
      first = false;
      draw();
    } catch (e) {
      replace(el, h('p.error', 'metrics: ' + e.message));
    }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  const push = (a, v) => { a.push(v); if (a.length > HISTORY) a.shift(); };
  const draw = () => {
    const keys = Object.keys(history).sort();
    replace(el, keys.length ? keys.map((k) => {
      const hs = history[k];
      return h('div.card.chart', { 'data-function': hs.s.functionName, 'data-distribution': hs.s.distributionId, 'data-invocations': String(hs.s.invocations) },
        h('h4', `${hs.s.functionName} in ${hs.s.distributionId}`),
        h('p.meta', `${hs.s.invocations} invocations, ${hs.prev.errors} errors in total`),
        h('div.charts', barChart(hs.inv, 'Invocations', '/poll'), barChart(hs.err, 'Errors', '/poll'), barChart(hs.util, 'ComputeUtilization', '%')));
    }) : h('p', 'No function has run at the edge yet.'));
  };
  tick();
  return () => { stopped = true; clearTimeout(timer); };
}

export async function distributionsPage(main) {
  const list = h('div', 'Loading…');
  const chartBox = h('div#charts');
  replace(main, h('h2', 'Distributions'), list, h('h3', 'Function metrics (live)'), chartBox);
  const ds = await listDistributions();
  replace(list, ds.length ? ds.map((d) => h('section.card.distribution', { 'data-id': d.id },
    h('h3', d.id, ' ', h('small', d.domain, ' · ', d.status)),
    table(['Behavior', 'Functions'], d.behaviors.map((b) => [b.path,
      b.functions.length ? b.functions.map((f) => {
        const name = f.arn.split('/').pop();
        return h('div', h('a', { href: '#/functions/' + encodeURIComponent(name) }, name), ` (${f.eventType})`);
      }) : '—'])))) : h('p', 'No distributions.'));
  return charts(chartBox);
}
