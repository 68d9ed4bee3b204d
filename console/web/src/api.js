// Calls of the API through the console: the same REST-XML (CloudFront) and
// REST-JSON (KeyValueStore data plane) operations the SDKs send, without
// signatures: the console signs in the caller's session and adds the CSRF
// token that every state-changing call needs.

const NS = 'http://cloudfront.amazonaws.com/doc/2020-05-31/';
let csrfToken = '';

export class APIError extends Error {
  constructor(status, code, message) {
    super(message || code || 'HTTP ' + status);
    this.status = status;
    this.code = code;
  }
}

export async function session() {
  const r = await fetch('/console/api/session', { credentials: 'same-origin' });
  if (r.status === 401) {
    location.href = '/console/login';
    throw new APIError(401, 'Unauthorized', 'sign in first');
  }
  const s = await r.json();
  csrfToken = s.csrfToken;
  return s;
}

async function call(method, url, { body, ifMatch, type } = {}) {
  const headers = {};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (ifMatch) headers['If-Match'] = ifMatch;
  if (type) headers['Content-Type'] = type;
  const r = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  if (r.status === 401) location.href = '/console/login';
  return r;
}

// json calls a console endpoint.
export async function consoleJSON(method, path, body) {
  const r = await call(method, '/console/api/' + path, body === undefined ? {} : { body: JSON.stringify(body), type: 'application/json' });
  const v = await r.json();
  if (!r.ok) throw new APIError(r.status, '', v.message);
  return v;
}

export function signOut() {
  return call('POST', '/console/logout').then(() => { location.href = '/console/login'; });
}

// cf calls a CloudFront operation; it resolves to { doc, text, etag,
// headers } and rejects with the API's error code and message.
export async function cf(method, path, opts = {}) {
  const r = await call(method, '/console/api/cloudfront/2020-05-31/' + path, { ...opts, type: opts.body ? 'application/xml' : undefined });
  const text = await r.text();
  const doc = text.startsWith('<') ? new DOMParser().parseFromString(text, 'application/xml') : null;
  if (!r.ok) {
    throw new APIError(r.status, doc ? txt(doc, 'Code') : '', doc ? txt(doc, 'Message') : text);
  }
  return { doc, text, etag: r.headers.get('ETag') || '', headers: r.headers };
}

// cfPages reads every page of a CloudFront list operation: path carries its
// query (MaxItems…); each(doc) is called per page.
export async function cfPages(path, each) {
  let marker = '';
  do {
    const { doc } = await cf('GET', path + (marker ? '&Marker=' + encodeURIComponent(marker) : ''));
    each(doc);
    marker = txt(doc, 'NextMarker');
  } while (marker);
}

// kvs calls a KeyValueStore data-plane operation on the store arn.
export async function kvs(method, arn, rest = '', opts = {}) {
  const url = '/console/api/kvs/key-value-stores/' + encodeURIComponent(arn) + rest;
  const r = await call(method, url, { ...opts, body: opts.body && JSON.stringify(opts.body), type: opts.body ? 'application/json' : undefined });
  const v = r.status === 204 ? {} : await r.json().catch(() => ({}));
  if (!r.ok) throw new APIError(r.status, v.__type || r.headers.get('X-Amzn-ErrorType') || '', v.message || v.Message);
  return { ...v, etag: r.headers.get('ETag') || v.ETag || '' };
}

// txt is the text of the first element named name under node, or ''.
export function txt(node, name) {
  const el = node.getElementsByTagName(name)[0];
  return el ? el.textContent : '';
}

export function all(node, name) {
  return Array.from(node.getElementsByTagName(name));
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// xml builds a request document from nested arrays: ['Name', value | children].
export function xml(root, children) {
  const render = ([name, v]) => '<' + name + '>' + (Array.isArray(v) ? v.map(render).join('') : esc(v)) + '</' + name + '>';
  return '<?xml version="1.0" encoding="UTF-8"?><' + root + ' xmlns="' + NS + '">' + children.map(render).join('') + '</' + root + '>';
}

// base64 of a string's UTF-8 bytes.
export function base64(s) {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}
