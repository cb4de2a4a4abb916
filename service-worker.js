// Cutout's service worker. After one visit the app works offline, and every response served here
// carries the headers that make the page cross-origin isolated (so ONNX Runtime gets threads),
// even on static hosts that cannot set headers themselves.
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

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

async function precache() {
  const response = await fetch(BUILD_INFO_URL, { cache: 'no-store' });
  if (!response.ok) throw new Error(`build.json answered HTTP ${response.status}`);
  const build = await response.clone().json();
  // A deploy landed between the page reading build.json and this install: this worker is stale
  // already. Failing leaves the current version in charge; the next page load registers the new one.
  if (build.version !== VERSION) throw new Error(`build.json is version ${build.version}, this worker is ${VERSION}`);
  // The shell is needed for offline navigation whatever the precache list says.
  const urls = new Set([SHELL_URL, ...build.precache.map((url) => new URL(url, SCOPE).href)]);
  urls.delete(BUILD_INFO_URL);
  const cache = await caches.open(STATIC_CACHE);
  // 'reload' skips the HTTP cache so a new version never stores an old file.
  await cache.addAll([...urls].map((url) => new Request(url, { cache: 'reload' })));
  await cache.put(BUILD_INFO_URL, response);
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

async function fromCaches(request) {
  const url = new URL(request.url);
  // A static site ignores query strings (the page's test switches such as ?fail=… live there).
  url.search = '';
  const key = url.href === SCOPE ? SHELL_URL : url.href;
  return (await caches.match(key, { cacheName: STATIC_CACHE }))
    ?? (await caches.match(key, { cacheName: MODEL_CACHE }));
}

// A request that asks to bypass caches (a model re-download) gets the network, as the HTTP cache
// would give it; offline it still falls through to the catch below.
const BYPASS_MODES = new Set(['no-store', 'reload']);

async function respond(request) {
  const isBuildInfo = request.url.split('?')[0] === BUILD_INFO_URL;
  if (!isBuildInfo && !BYPASS_MODES.has(request.cache)) {
    const cached = await fromCaches(request);
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

self.addEventListener('install', (event) => event.waitUntil(precache()));
self.addEventListener('activate', (event) => event.waitUntil(dropOldVersions()));

self.addEventListener('message', (event) => {
  // Only on the page's request ("Update available — Reload"), never automatically.
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request).then(withIsolationHeaders));
});
