// Cutout's service worker. After one visit the app works offline (a first visit's files are stored
// as the page loads them and the rest once it is idle), and every response served here carries the
// headers that make the page cross-origin isolated (so ONNX Runtime gets threads), even on static
// hosts that cannot set headers themselves.
//
// The page registers `service-worker.js?v=<build version>` (see web/app/update-toast.js): a new
// build is a new worker, and the version names this worker's own cache.

const VERSION = new URL(self.location.href).searchParams.get('v');
const STATIC_CACHE_PREFIX = 'cutout-static-';
const STATIC_CACHE = `${STATIC_CACHE_PREFIX}${VERSION}`;
const MODEL_CACHE = 'cutout-models-v1'; // filled by web/model-store.js, never versioned: models are large
const SCOPE = self.registration.scope;
const BUILD_INFO_URL = new URL('build.json', SCOPE).href;
const SHELL_URL = new URL('index.html', SCOPE).href;
const PARALLEL_DOWNLOADS = 4;

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

// This version's files: build.json as installed, { url: sha256 } in `precache`.
let versionFiles = null;
function filesOfThisVersion() {
  versionFiles ??= caches.match(BUILD_INFO_URL, { cacheName: STATIC_CACHE }).then(async (response) => {
    if (!response) throw new Error('this version’s build.json is not stored');
    const { precache } = await response.json();
    return new Map(Object.entries(precache).map(([url, sha256]) => [new URL(url, SCOPE).href, sha256]));
  }).catch((error) => { versionFiles = null; throw error; });
  return versionFiles;
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, '0')).join('');
const shortName = (url) => url.slice(SCOPE.length);

// A file asked for twice at once (the page's job and the offline fill) is downloaded once.
const storing = new Map();
function store(url) {
  if (!storing.has(url)) storing.set(url, download(url).finally(() => storing.delete(url)));
  return storing.get(url);
}

async function download(url) {
  const expected = (await filesOfThisVersion()).get(url);
  // 'no-cache' revalidates with the server, so an old file is never stored, and one the page has
  // just downloaded comes from the HTTP cache (a 304) instead of a second time.
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${shortName(url)} answered HTTP ${response.status}`);
  const body = await response.arrayBuffer();
  // A deploy since this version was installed: its files must not mix into this version's cache.
  if (hex(await crypto.subtle.digest('SHA-256', body)) !== expected) {
    throw new Error(`${shortName(url)} on the server is not this version’s (a newer version is out: reload)`);
  }
  const cache = await caches.open(STATIC_CACHE);
  await cache.put(url, new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers }));
}

// Stores each of `urls` not stored yet, a few at a time; `onStored(count)` after each.
async function storeMissing(urls, onStored = () => {}) {
  const cache = await caches.open(STATIC_CACHE);
  const missing = [];
  for (const url of urls) if (!(await cache.match(url))) missing.push(url);
  let stored = urls.length - missing.length;
  onStored(stored);
  const queue = missing.values();
  await Promise.all(Array.from({ length: PARALLEL_DOWNLOADS }, async () => {
    for (const url of queue) {
      await store(url);
      onStored(++stored);
    }
  }));
}

async function install() {
  const response = await fetch(BUILD_INFO_URL, { cache: 'no-store' });
  if (!response.ok) throw new Error(`build.json answered HTTP ${response.status}`);
  const build = await response.clone().json();
  // A deploy landed between the page reading build.json and this install: this worker is stale
  // already. Failing leaves the current version in charge; the next page load registers the new one.
  if (build.version !== VERSION) throw new Error(`build.json is version ${build.version}, this worker is ${VERSION}`);
  await (await caches.open(STATIC_CACHE)).put(BUILD_INFO_URL, response);
  const files = [...(await filesOfThisVersion()).keys()];
  // An update must be whole before it takes over a page: a job and every file it loads come from
  // one version. A first visit stores the page now and the rest when the page asks, once it is
  // idle (web/app/offline-status.js): the first cutout neither waits for nor competes with files
  // it does not need, and the files it does load are stored as they pass (`respond`).
  await storeMissing(self.registration.active ? files : [SHELL_URL]);
}

// The page's request to store the rest of this version; progress and the outcome go to `port`.
async function storeForOffline(port) {
  try {
    const files = [...(await filesOfThisVersion()).keys()];
    await storeMissing(files, (stored) => port.postMessage({ stored, total: files.length }));
    port.postMessage({ stored: files.length, total: files.length, done: true });
  } catch (error) {
    port.postMessage({ error: error.message });
  }
}

async function dropOldVersions() {
  const names = await caches.keys();
  const stale = names.filter((name) => name.startsWith(STATIC_CACHE_PREFIX) && name !== STATIC_CACHE);
  await Promise.all(stale.map((name) => caches.delete(name)));
  await self.clients.claim();
}

function withIsolationHeaders(response) {
  // Opaque responses cannot be rebuilt (and same-origin requests never produce them).
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function cacheKey(request) {
  const url = new URL(request.url);
  // A static site ignores query strings (the page's test switches such as ?fail=… live there).
  url.search = '';
  return url.href === SCOPE ? SHELL_URL : url.href;
}

async function fromCaches(key) {
  return (await caches.match(key, { cacheName: STATIC_CACHE }))
    ?? (await caches.match(key, { cacheName: MODEL_CACHE }));
}

// A file of this version that is not stored yet (a first visit) is stored on its way to the page.
async function storedOnTheWay(key) {
  const files = await filesOfThisVersion().catch(() => new Map());
  if (!files.has(key)) return null;
  try {
    await store(key);
  } catch (error) {
    console.warn(`Not stored for offline use: ${error.message}`);
    return null; // the network's answer, as a page without this worker would get it
  }
  return caches.match(key, { cacheName: STATIC_CACHE });
}

// A request that asks to bypass caches (a model re-download) gets the network, as the HTTP cache
// would give it; offline it still falls through to the catch below.
const BYPASS_MODES = new Set(['no-store', 'reload']);

async function respond(request) {
  const isBuildInfo = request.url.split('?')[0] === BUILD_INFO_URL;
  if (!isBuildInfo && !BYPASS_MODES.has(request.cache)) {
    const key = cacheKey(request);
    const cached = (await fromCaches(key)) ?? (await storedOnTheWay(key));
    if (cached) return cached;
  }
  try {
    // build.json always goes to the network first: it is how the page learns of a new version.
    return await fetch(request);
  } catch (offline) {
    const fallback = isBuildInfo ? BUILD_INFO_URL : request.mode === 'navigate' ? SHELL_URL : null;
    const cached = fallback && await caches.match(fallback, { cacheName: STATIC_CACHE });
    if (cached) return cached;
    throw offline;
  }
}

self.addEventListener('install', (event) => event.waitUntil(install()));
self.addEventListener('activate', (event) => event.waitUntil(dropOldVersions()));

self.addEventListener('message', (event) => {
  // Only on the page's request ("Update available — Reload"), never automatically.
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
  if (event.data?.type === 'store-for-offline') event.waitUntil(storeForOffline(event.ports[0]));
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request).then(withIsolationHeaders));
});
