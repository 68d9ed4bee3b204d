// Small DOM helpers: the console builds its pages with these rather than a
// framework, to keep the bundle to CodeMirror and this code.

// h makes an element: h('div.card#id', {onclick, ...attrs}, children...).
export function h(spec, attrs, ...children) {
  const [tagAndClasses, id] = spec.split('#');
  const [tag, ...classes] = tagAndClasses.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (id) el.id = id;
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// replace swaps an element's children.
export function replace(el, ...children) {
  el.textContent = '';
  append(el, children);
}

// table renders rows of cells under a header.
export function table(headers, rows, id) {
  return h('table' + (id ? '#' + id : ''),
    h('thead', h('tr', headers.map((x) => h('th', x)))),
    h('tbody', rows.map((r) => h('tr', r.map((c) => h('td', c))))));
}

// status shows a message (or an error) in an element.
export function status(el, msg, isError) {
  el.className = isError ? 'status error' : 'status';
  el.textContent = msg;
}

export function formatBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(2) + ' MiB';
}
