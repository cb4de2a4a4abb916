// The page side of a job (docs/web-contract.md): one fresh module worker per job, terminated
// when the job ends, and the retry on the next backend after a WebGPU failure (rule in backends.js).

import { WASM_MT, WASM_ST, fallbackAfter, mayFallBack, ortWasmUrl, rememberFailure, testSwitches } from './backends.js';
import { compiledModules } from './compiled-wasm.js';

const WORKER_URL = new URL('./worker/worker.js', import.meta.url);
const ORT_URL = new URL('./vendor/ort/', import.meta.url);
const PYODIDE_WASM_URL = new URL('./vendor/pyodide/pyodide.asm.wasm', import.meta.url).href;
const CANCELLED = { code: 'cancelled', message: 'the job was cancelled' };
let workersCreated = 0;
// A cutout worker prepared ahead of the next job (see prepareNextJob), or null.
let spare = null;

function stateEventFor(failure) {
  return failure.code === 'cancelled'
    ? { type: 'state', state: 'cancelled' }
    : { type: 'state', state: 'failed', code: failure.code, message: failure.message };
}

/**
 * A fresh job worker for `backend` (WASM where a job names none). `send(message, transfer)` posts
 * to it with the page's compiled Pyodide and ONNX Runtime (compiled-wasm.js) as `wasm`, messages
 * in the order sent.
 */
function createWorker(backend = WASM_MT) {
  const id = `cutout-job-${++workersCreated}`;
  const worker = new Worker(WORKER_URL, { type: 'module', name: id });
  // `kind` stays null until the worker is given its job (a prepared worker may never get one).
  const record = { id, kind: null, created: Date.now(), terminated: null };
  globalThis.__cutoutWorkers?.push(record);
  // The job's ONNX Runtime, and the WASM build its graph helpers run (bridge.js) where that differs.
  const ortUrls = [...new Set([ortWasmUrl(backend, ORT_URL), ortWasmUrl(WASM_ST, ORT_URL)])];
  const wasm = compiledModules([PYODIDE_WASM_URL, ...ortUrls]);
  const send = (message, transfer = []) => wasm.then((modules) => worker.postMessage({ ...message, wasm: modules }, transfer));
  return { id, worker, record, send };
}

function terminate({ worker, record }) {
  worker.terminate();
  record.terminated = Date.now();
}

// What a prepared worker must match to take a cutout job.
const setupOf = ({ model, backend, fail = '' }) => JSON.stringify([model, backend, fail]);

/** Terminates the prepared worker, if any (the page's model choice changed, say). */
export function dropPreparedJob() {
  if (!spare) return;
  terminate(spare);
  spare.reportReady(false); // no effect once it reported
  spare = null;
}

/**
 * Prepares a worker for the next cutout job on `model` and `backend` while the page is idle:
 * Python boots and the model's sessions are created before any file arrives, so the next job
 * only runs the pipeline. It is still a fresh worker that runs exactly one job; a worker prepared
 * for another model or backend is terminated. Call it only for a stored model (preparing never
 * downloads on its own initiative) and when the device can hold a second runtime in memory.
 * Resolves true once the worker is ready (Python booted, sessions created), false if it failed
 * (the job that takes it then reports why).
 */
export function prepareNextJob({ model, backend }) {
  const setup = { model, backend, fail: testSwitches().fail };
  if (spare?.setup === setupOf(setup)) return spare.ready;
  dropPreparedJob();
  const created = createWorker(backend);
  const prepared = { ...created, setup: setupOf(setup) };
  prepared.ready = new Promise((resolve) => { prepared.reportReady = resolve; });
  created.worker.onmessage = ({ data }) => {
    if (data.type === 'prepared') prepared.reportReady(data.ok);
  };
  // A prepared worker that breaks (it could not load) is dropped; the next job starts a fresh one.
  created.worker.onerror = (event) => {
    event.preventDefault();
    if (spare === prepared) dropPreparedJob();
  };
  created.send({ type: 'prepare', kind: 'start', setup });
  spare = prepared;
  return prepared.ready;
}

// The prepared worker if it fits this cutout job; any other prepared worker is of no further use.
function takeSpare(kind, job) {
  const fits = kind === 'start' && spare?.setup === setupOf(job);
  if (!fits) {
    if (kind === 'start') dropPreparedJob();
    return null;
  }
  const taken = spare;
  spare = null;
  return taken;
}

/**
 * Runs one job of `kind` (see web/worker/worker.js) in a fresh worker (a cutout job may take
 * the one prepareNextJob prepared): `job` is posted with the buffers in `transfer` transferred.
 * Returns `{ done: Promise<result>, cancel() }`; `done` rejects with `{ code, message }`. Events
 * other than the final failure go to `onEvent`.
 */
export function runWorkerJob(kind, job, { transfer = [], onEvent = () => {} } = {}) {
  let stop = null;
  const done = new Promise((resolve, reject) => {
    const running = takeSpare(kind, job) ?? createWorker(job.backend);
    const { id, worker, record, send } = running;
    record.kind = kind;

    const settle = (outcome, value) => {
      terminate(running);
      stop = null;
      outcome(value);
    };
    stop = (failure) => settle(reject, failure);

    worker.onmessage = ({ data }) => {
      if (data.type === 'event') {
        // Failure is announced once, by whoever owns the job, after any retry has had its chance.
        if (data.event.type === 'state' && data.event.state === 'failed') return;
        onEvent(data.event);
      } else if (data.type === 'result') {
        settle(resolve, { ...data.result, workerId: id });
      } else if (data.type === 'error') {
        settle(reject, data.error);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      settle(reject, { code: 'error', message: `the job worker failed: ${event.message || 'it could not be loaded'}` });
    };
    send({ type: kind, job }, transfer);
  });
  return { done, cancel: () => stop?.(CANCELLED) };
}

/**
 * Runs one cutout job, retrying on the next backend after a WebGPU failure (which later jobs of
 * this page then skip, see backends.js). `bytes` (an
 * ArrayBuffer) is transferred to the worker. Returns `{ done: Promise<result>, cancel() }`;
 * `done` rejects with `{ code, message }`.
 */
export function startJob({ name, bytes, model, background, decontaminate = true, backends, onEvent = () => {} }) {
  const { fail } = testSwitches();
  let current = null;
  let cancelled = false;

  function runOn(backendList, input, fallback) {
    let announceFallback = fallback;
    current = runWorkerJob('start', { name, bytes: input, model, background, decontaminate, backend: backendList[0], fail }, {
      transfer: [input],
      onEvent(event) {
        if (event.type === 'backend' && announceFallback) {
          Object.assign(event, announceFallback);
          announceFallback = null;
        }
        onEvent(event);
      },
    });
    return current.done;
  }

  const done = (async () => {
    let backendList = backends;
    let fallback = null;
    try {
      for (;;) {
        if (cancelled) throw CANCELLED;
        // A retry needs the bytes again: keep the original while one may follow, transfer it otherwise.
        const input = mayFallBack(backendList) ? bytes.slice(0) : bytes;
        try {
          return await runOn(backendList, input, fallback);
        } catch (failure) {
          const rest = cancelled ? null : fallbackAfter(backendList, failure);
          if (!rest) throw failure;
          rememberFailure(backendList[0], failure.message);
          fallback = { fallbackFrom: backendList[0], reason: failure.message };
          backendList = rest;
        }
      }
    } catch (failure) {
      onEvent(stateEventFor(failure));
      throw failure;
    }
  })();

  return {
    done,
    cancel() {
      if (cancelled) return;
      cancelled = true;
      current?.cancel();
    },
  };
}
