// Where ONNX Runtime runs a job: the ordered list WebGPU → WASM multi-thread → WASM single-thread,
// what this device offers of it, and the one retry rule. Used by the page (to choose) and by the
// job worker (to configure ONNX Runtime).

export const WEBGPU = 'webgpu';
export const WASM_MT = 'wasm-mt';
export const WASM_ST = 'wasm-st';
const ORDER = [WEBGPU, WASM_MT, WASM_ST];

// ONNX Runtime's convolutions stop gaining beyond about 8 threads, and each thread is a worker
// with its own copy of the runtime.
const MAX_THREADS = 8;

/** Test-only switches from the page's query string (never set in normal use). */
export function testSwitches(search = globalThis.location?.search ?? '') {
  const params = new URLSearchParams(search);
  return { fail: params.get('fail') ?? '', backend: params.get('backend') ?? '' };
}

/** Threads a backend gets. Threads need SharedArrayBuffer, which needs cross-origin isolation. */
export function threadsFor(backend) {
  if (backend === WASM_ST || !globalThis.crossOriginIsolated) return 1;
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, MAX_THREADS));
}

async function hasHardwareGpu() {
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    // A software adapter (SwiftShader) is many times slower than WASM: not worth choosing.
    return Boolean(adapter) && !adapter.info?.isFallbackAdapter && adapter.info?.architecture !== 'swiftshader';
  } catch {
    return false;
  }
}

async function detectBackends() {
  const available = [];
  if (await hasHardwareGpu()) available.push(WEBGPU);
  if (threadsFor(WASM_MT) > 1) available.push(WASM_MT);
  available.push(WASM_ST);
  return available;
}

let detected = null;

// Backends that failed a job on this page, with the failure's message: later jobs skip them rather
// than fail the same way again (a GPU that lost its device or lacks an operator stays so).
const failedOnThisPage = new Map();

/** Records that `backend` failed a job: later jobs of this page leave it out. */
export function rememberFailure(backend, reason) {
  failedOnThisPage.set(backend, reason);
}

/** The backends left out after an earlier failure on this page, as [{ from, reason }]. */
export function earlierFailures() {
  return [...failedOnThisPage].map(([from, reason]) => ({ from, reason }));
}

/**
 * The ordered backend list for jobs on this device. `?backend=NAME` forces the list to start at
 * NAME (even where detection would skip it), followed by the detected backends after it. A
 * backend that failed earlier on this page is left out, forced or not.
 */
export async function backendsForThisDevice(search) {
  detected ??= detectBackends();
  const available = await detected;
  const forced = testSwitches(search).backend;
  const list = ORDER.includes(forced)
    ? [forced, ...available.filter((backend) => ORDER.indexOf(backend) > ORDER.indexOf(forced))]
    : available;
  return list.filter((backend) => !failedOnThisPage.has(backend));
}

/** Whether a backend failure of a job on `backends` would be retried. */
export function mayFallBack(backends) {
  return backends[0] === WEBGPU && backends.length > 1;
}

/**
 * The retry rule: a job whose WebGPU session creation or run failed runs again, in a fresh
 * worker, on the rest of the list. Anything else is final: a WASM failure would only repeat.
 * Returns the list for the retry, or null.
 */
export function fallbackAfter(backends, error) {
  return error?.code === 'backend-failure' && mayFallBack(backends) ? backends.slice(1) : null;
}

/**
 * Throws where the test switch `fail=<backend>-<step>` asks this step to fail; `wasm-<step>`
 * stands for both WASM backends (wasm-mt, wasm-st).
 */
export function simulateFailure(fail, backend, step) {
  const family = backend.startsWith('wasm') ? 'wasm' : backend;
  if (fail === `${backend}-${step}` || fail === `${family}-${step}`) {
    throw new Error(`simulated ${backend} failure at ${step} (test switch fail=${fail})`);
  }
}

// The onnxruntime-web build each backend loads from vendor/ort/ (scripts/build.py copies these).
// WebGPU needs the build with ONNX Runtime's WebGPU execution provider; the older JSEP WebGPU of
// the default bundle cannot run either model (no MaxPool with ceil_mode). WASM alone gets the plain
// build: half the size, and since every job is a fresh worker, its faster compile and warm-up
// count on every job. Each bundle embeds its loader and starts its threads from itself, so only
// the .wasm is fetched besides it.
const ORT_BUILDS = {
  webgpu: { module: 'ort.webgpu.bundle.min.mjs', wasm: 'ort-wasm-simd-threaded.asyncify.wasm' },
  wasm: { module: 'ort.wasm.bundle.min.mjs', wasm: 'ort-wasm-simd-threaded.wasm' },
};

const ortBuild = (backend) => ORT_BUILDS[backend === WEBGPU ? 'webgpu' : 'wasm'];

/** The URL of the .wasm that the onnxruntime-web build for `backend` in `vendorUrl` instantiates. */
export function ortWasmUrl(backend, vendorUrl) {
  return new URL(ortBuild(backend).wasm, vendorUrl).href;
}

/** Imports the onnxruntime-web build for `backend` from `vendorUrl` and sets its environment (once per worker). */
export async function loadOrt(backend, vendorUrl) {
  const build = ortBuild(backend);
  const ort = await import(new URL(build.module, vendorUrl).href);
  ort.env.wasm.proxy = false; // already in a worker
  ort.env.wasm.numThreads = threadsFor(backend);
  ort.env.wasm.wasmPaths = { wasm: ortWasmUrl(backend, vendorUrl) };
  ort.env.logLevel = 'error';
  return ort;
}

/**
 * Session options for `backend`. Only that provider is listed, so ONNX Runtime never falls back
 * silently: a WebGPU failure surfaces and the retry rule reports it.
 */
export function sessionOptions(backend) {
  return {
    executionProviders: [backend === WEBGPU ? 'webgpu' : 'wasm'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3, // errors only: ONNX Runtime warns about every node it places on the CPU
  };
}
