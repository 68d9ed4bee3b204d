// The console's single page: a hash router over the functions, KeyValueStores
// and distributions pages.
import { session, signOut } from './api.js';
import { h, replace } from './ui.js';
import { functionsPage, functionPage } from './functions.js';
import { storesPage, storePage } from './kvs.js';
import { distributionsPage, distributionPage } from './distributions.js';

const routes = [
  [/^#\/functions\/(.+)$/, (main, m) => functionPage(main, decodeURIComponent(m[1]))],
  [/^#\/kvs\/(.+)$/, (main, m) => storePage(main, decodeURIComponent(m[1]))],
  [/^#\/kvs$/, (main) => storesPage(main)],
  [/^#\/distributions\/(.+)$/, (main, m) => distributionPage(main, decodeURIComponent(m[1]))],
  [/^#\/distributions$/, (main) => distributionsPage(main)],
  [/^/, (main) => functionsPage(main)],
];

// current is what the page on show returned: stop() ends its timers and
// listeners, dirty() tells unsaved edits, which leaving would lose.
let current = null;
let here = location.hash;

async function route(main) {
  if (current && current.dirty && current.dirty() && !confirm('Leave this page? Your unsaved edits will be lost.')) {
    history.replaceState(null, '', here); // stay: replaceState fires no hashchange
    return;
  }
  if (current && current.stop) current.stop();
  current = null;
  here = location.hash;
  for (const [re, page] of routes) {
    const m = location.hash.match(re);
    if (!m) continue;
    try {
      const r = await page(main, m);
      current = typeof r === 'function' ? { stop: r } : r || null;
    } catch (e) {
      replace(main, h('p.error', e.code ? `${e.code}: ${e.message}` : e.message));
    }
    return;
  }
}

async function boot() {
  const s = await session();
  const main = h('main#main');
  const nav = h('nav',
    h('strong', 'edgefn'),
    h('a', { href: '#/functions' }, 'Functions'),
    h('a', { href: '#/kvs' }, 'KeyValueStores'),
    h('a', { href: '#/distributions' }, 'Distributions'),
    h('span.who#who', `${s.accessKeyId} · account ${s.accountId}`),
    h('button#signout', { onclick: signOut }, 'Sign out'));
  replace(document.body, nav, main);
  window.addEventListener('hashchange', () => route(main));
  await route(main);
}

boot();
