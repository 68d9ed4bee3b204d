// KeyValueStores: the list (control plane), and one store's keys (data plane):
// paging, prefix search, put and delete with the store's ETag, JSON import.
import { cf, cfPages, kvs, txt, all, xml } from './api.js';
import { h, replace, table, status, formatBytes } from './ui.js';

const QUOTA = 5 * 1024 * 1024; // a store's size limit, as on CloudFront
const PAGE = 50; // ListKeys' largest page
const BATCH = 50; // UpdateKeys' most keys

export async function listStores() {
  const out = [];
  await cfPages('key-value-store?MaxItems=100', (doc) => {
    for (const s of all(doc, 'KeyValueStore')) {
      out.push({ name: txt(s, 'Name'), id: txt(s, 'Id'), arn: txt(s, 'ARN'), status: txt(s, 'Status'), modified: txt(s, 'LastModifiedTime') });
    }
  });
  return out;
}

function quotaBar(size) {
  const pct = Math.min(100, (size / QUOTA) * 100);
  return h('div.quota', h('div.bar', h('div.fill', { style: `width:${pct.toFixed(2)}%` })), `${formatBytes(size)} of ${formatBytes(QUOTA)} (${pct.toFixed(1)}%)`);
}

export async function storesPage(main) {
  const msg = h('p.status');
  const name = h('input#new-store-name', { placeholder: 'name', required: true });
  const create = h('form.inline#create-store', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await cf('POST', 'key-value-store', { body: xml('CreateKeyValueStoreRequest', [['Name', name.value], ['Comment', '']]) });
        location.hash = '#/kvs/' + encodeURIComponent(name.value);
      } catch (err) { status(msg, err.message, true); }
    },
  }, name, h('button', { type: 'submit' }, 'Create KeyValueStore'));
  const list = h('div', 'Loading…');
  replace(main, h('h2', 'KeyValueStores'), create, msg, list);
  const stores = await listStores();
  const sizes = await Promise.all(stores.map((s) => kvs('GET', s.arn).catch(() => null)));
  replace(list, stores.length ? table(['Name', 'Status', 'Keys', 'Size', 'Modified'], stores.map((s, i) => [
    h('a', { href: '#/kvs/' + encodeURIComponent(s.name) }, s.name), s.status,
    sizes[i] ? String(sizes[i].ItemCount) : '—', sizes[i] ? quotaBar(sizes[i].TotalSizeInBytes) : '—', s.modified,
  ]), 'stores') : h('p', 'No KeyValueStores yet.'));
}

export async function storePage(main, name) {
  const store = (await listStores()).find((s) => s.name === name);
  if (!store) { replace(main, h('p.error', 'No KeyValueStore ' + name)); return; }
  let etag = '';
  const msg = h('p.status#kvs-status');
  const info = h('div#kvs-info');
  const keys = h('div#kvs-keys');
  const prefix = h('input#kvs-prefix', { placeholder: 'key prefix' });
  const key = h('input#kvs-key', { placeholder: 'key', required: true });
  const value = h('textarea#kvs-value', { rows: 2, placeholder: 'value' });
  const progress = h('progress#kvs-import-progress', { max: 1, value: 0, hidden: true });
  const file = h('input#kvs-import-file', { type: 'file', accept: '.json,application/json' });
  const tokens = ['']; // NextToken of each page shown so far
  let page = 0;

  const refresh = async () => {
    const d = await kvs('GET', store.arn);
    etag = d.etag;
    replace(info, h('p.meta', `${d.ItemCount} keys · ETag ${etag} · ${store.arn}`), quotaBar(d.TotalSizeInBytes));
  };
  // showPage lists one page; with a prefix it reads pages until PAGE keys
  // match (keys come sorted, so it stops once past the prefix).
  const showPage = async () => {
    const p = prefix.value;
    let token = tokens[page];
    const items = [];
    let next = '';
    for (;;) {
      const r = await kvs('GET', store.arn, '/keys?MaxResults=' + PAGE + (token ? '&NextToken=' + encodeURIComponent(token) : ''));
      let past = false;
      for (const it of r.Items || []) {
        if (!p || it.Key.startsWith(p)) items.push(it);
        else if (it.Key > p) past = true;
      }
      next = r.NextToken || '';
      if (!p || past || !next || items.length >= PAGE) break;
      token = next;
    }
    tokens[page + 1] = next;
    replace(keys,
      items.length ? table(['Key', 'Value', ''], items.map((it) => [it.Key, h('code', it.Value),
        h('button.small', { onclick: () => del(it.Key) }, 'Delete')]), 'kvs-table') : h('p', 'No keys' + (p ? ' with that prefix.' : '.')),
      h('div.inline',
        h('button#kvs-prev', { disabled: page === 0, onclick: () => { page--; showPage(); } }, '← Previous'),
        `page ${page + 1}`,
        h('button#kvs-next', { disabled: !next, onclick: () => { page++; showPage(); } }, 'Next →')));
  };
  const reload = async () => { await refresh(); await showPage(); };
  const attempt = async (what, fn) => {
    try { await fn(); status(msg, what); } catch (e) { status(msg, `${e.code}: ${e.message}`, true); }
    await reload().catch((e) => status(msg, e.message, true));
  };
  const put = (e) => {
    e.preventDefault();
    return attempt(`Put ${key.value}`, () => kvs('PUT', store.arn, '/keys/' + encodeURIComponent(key.value), { ifMatch: etag, body: { Value: value.value } }));
  };
  const del = (k) => {
    // A delete cannot be undone: ask first, as for a function.
    if (!confirm(`Delete the key ${k} from ${name}?`)) return;
    return attempt(`Deleted ${k}`, () => kvs('DELETE', store.arn, '/keys/' + encodeURIComponent(k), { ifMatch: etag }));
  };
  // importFile sends a file in CloudFront's import format
  // ({"data": [{"key", "value"}]}) as UpdateKeys batches.
  const importFile = () => attempt('Imported ' + (file.files[0] || {}).name, async () => {
    const f = file.files[0];
    if (!f) throw new Error('choose a file first');
    const doc = JSON.parse(await f.text());
    const data = Array.isArray(doc.data) ? doc.data : null;
    if (!data) throw new Error('want {"data": [{"key": ..., "value": ...}]}');
    progress.hidden = false;
    progress.max = data.length;
    progress.value = 0;
    for (let i = 0; i < data.length; i += BATCH) {
      const batch = data.slice(i, i + BATCH).map((it) => ({ Key: String(it.key), Value: String(it.value) }));
      const r = await kvs('POST', store.arn, '/keys', { ifMatch: etag, body: { Puts: batch } });
      etag = r.etag;
      progress.value = Math.min(i + BATCH, data.length);
      status(msg, `Importing: ${progress.value} of ${data.length}`);
    }
  });
  prefix.addEventListener('input', () => { tokens.length = 1; page = 0; showPage(); });
  replace(main,
    h('h2', h('a', { href: '#/kvs' }, 'KeyValueStores'), ' / ', name),
    info, msg,
    h('section.card', h('h3', 'Put a key'), h('form.inline#kvs-put', { onsubmit: put }, key, value, h('button#kvs-put-button', { type: 'submit' }, 'Put'))),
    h('section.card', h('h3', 'Import a JSON file'), h('div.inline', file, h('button#kvs-import', { onclick: importFile }, 'Import'), progress)),
    h('section.card', h('h3', 'Keys'), prefix, keys));
  await reload();
}
