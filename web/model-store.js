// The models, downloaded from our own origin on first use and kept in Cache Storage.
// Usable from the page (list/delete in the model panel) and from the job worker (get).
//
// Facts about each model (url, size, sha256, title, licence) come from build.json, which the
// build writes from py/cutout/models.py. A download is checked against its sha256 before it is
// stored, so the cache only ever holds verified models.

export const MODEL_CACHE = 'cutout-models-v1'; // service-worker.js reads models from this cache too

const BUILD_INFO_URL = new URL('build.json', import.meta.url);
const PROGRESS_STEPS = 100; // download events per model, at most

let catalogue = null;

// Cache Storage keys a model by its absolute URL; build.json gives it relative to itself.
const hrefOf = (url) => new URL(url, BUILD_INFO_URL).href;

/** The models table of build.json: { key: { url, size, sha256, title, licence, graphs } }. */
export function models() {
  catalogue ??= fetch(BUILD_INFO_URL, { cache: 'no-cache' }).then(async (response) => {
    if (!response.ok) throw new Error(`build.json answered HTTP ${response.status}`);
    return (await response.json()).models;
  });
  catalogue.catch(() => { catalogue = null; }); // let a later call try again
  return catalogue;
}

function unavailable(message) {
  return Object.assign(new Error(message), { code: 'model-unavailable' });
}

async function describe(key) {
  const model = (await models())[key];
  if (!model) throw unavailable(`there is no model called “${key}”`);
  return { ...model, key, href: hrefOf(model.url) };
}

async function readStored(cache, model) {
  const response = await cache.match(model.href);
  if (!response) return null;
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength === model.size) return bytes;
  await cache.delete(model.href); // cut short (quota, crash): fetch it again
  return null;
}

async function download(model, onProgress) {
  let response;
  try {
    // no-store: the verified copy lives in Cache Storage; a second one in the HTTP cache is waste.
    response = await fetch(model.href, { cache: 'no-store' });
  } catch (error) {
    throw unavailable(`the ${model.title} model could not be downloaded (offline? ${error.message})`);
  }
  if (!response.ok) throw unavailable(`the ${model.title} model could not be downloaded (HTTP ${response.status})`);

  const bytes = new Uint8Array(model.size);
  const step = Math.max(1, Math.floor(model.size / PROGRESS_STEPS));
  let loaded = 0;
  let reported = 0;
  onProgress({ model: model.key, loaded, total: model.size });
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.byteLength > model.size) {
      await reader.cancel();
      throw unavailable(`the ${model.title} model download is larger than the expected ${model.size} bytes`);
    }
    bytes.set(value, loaded);
    loaded += value.byteLength;
    if (loaded - reported >= step || loaded === model.size) {
      reported = loaded;
      onProgress({ model: model.key, loaded, total: model.size });
    }
  }
  if (loaded !== model.size) throw unavailable(`the ${model.title} model download stopped at ${loaded} of ${model.size} bytes`);
  return bytes;
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

// One download per model at a time across the page and every worker of this origin.
function exclusively(key, task) {
  return navigator.locks ? navigator.locks.request(`cutout-model-${key}`, task) : task();
}

// Downloads the model, checks its sha256 and stores it; a stored copy is replaced only by a verified one.
async function fetchVerified(cache, model, onProgress) {
  const bytes = await download(model, onProgress);
  const actual = await sha256Hex(bytes);
  if (actual !== model.sha256) {
    throw unavailable(`the downloaded ${model.title} model is corrupt (sha256 ${actual.slice(0, 12)}…, expected ${model.sha256.slice(0, 12)}…)`);
  }
  const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': String(model.size) };
  await cache.put(model.href, new Response(bytes, { headers }));
  return bytes;
}

/**
 * The model's bytes: from the cache, or downloaded (with `onProgress({ model, loaded, total })`),
 * verified and stored. Fails with `code: 'model-unavailable'`.
 */
export async function get(key, onProgress = () => {}) {
  const model = await describe(key);
  const cache = await caches.open(MODEL_CACHE);
  return (await readStored(cache, model)) ?? exclusively(key, async () => {
    const storedMeanwhile = await readStored(cache, model);
    return storedMeanwhile ?? fetchVerified(cache, model, onProgress);
  });
}

/** Every model with whether it is stored on this device: [{ key, title, size, licence, cached }]. */
export async function list() {
  const [table, cache] = await Promise.all([models(), caches.open(MODEL_CACHE)]);
  const stored = new Set((await cache.keys()).map((request) => request.url));
  return Promise.all(Object.keys(table).map(async (key) => {
    const { title, size, licence, href } = await describe(key);
    return { key, title, size, licence, cached: stored.has(href) };
  }));
}

/**
 * Removes what the model cache holds beyond this version's models (a model whose file a new
 * version renamed, as Best's browser copy was): the model panel lists only current models, so
 * nobody could delete those. Returns the removed URLs.
 */
export async function removeUnlisted() {
  const [table, cache] = await Promise.all([models(), caches.open(MODEL_CACHE)]);
  const listed = new Set(Object.values(table).map(({ url }) => hrefOf(url)));
  const unlisted = (await cache.keys()).map((request) => request.url).filter((url) => !listed.has(url));
  await Promise.all(unlisted.map((url) => cache.delete(url)));
  return unlisted;
}

/** Removes a stored model; true if there was one. */
export async function remove(key) {
  const model = await describe(key);
  return (await caches.open(MODEL_CACHE)).delete(model.href);
}

export { remove as delete };

/**
 * Downloads the model again, verified as `get` does it. The stored copy stays usable until the
 * new one has passed its sha256 check, so a failed re-download (offline, corrupt) loses nothing.
 */
export async function redownload(key, onProgress = () => {}) {
  const model = await describe(key);
  const cache = await caches.open(MODEL_CACHE);
  await exclusively(key, () => fetchVerified(cache, model, onProgress));
}
