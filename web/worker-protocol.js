// The page side of a job (docs/web-contract.md): one fresh module worker per job, terminated
// when the job ends, and the retry on the next backend after a WebGPU failure (rule in backends.js).

import { fallbackAfter, mayFallBack, testSwitches } from './backends.js';

const WORKER_URL = new URL('./worker/worker.js', import.meta.url);
const CANCELLED = { code: 'cancelled', message: 'the job was cancelled' };
let workersCreated = 0;

function stateEventFor(failure) {
  return failure.code === 'cancelled'
    ? { type: 'state', state: 'cancelled' }
    : { type: 'state', state: 'failed', code: failure.code, message: failure.message };
}

/**
 * Runs one job of `kind` (see web/worker/worker.js) in a fresh worker: `job` is posted with the
 * buffers in `transfer` transferred. Returns `{ done: Promise<result>, cancel() }`; `done` rejects
 * with `{ code, message }`. Events other than the final failure go to `onEvent`.
 */
export function runWorkerJob(kind, job, { transfer = [], onEvent = () => {} } = {}) {
  let stop = null;
  const done = new Promise((resolve, reject) => {
    const id = `cutout-job-${++workersCreated}`;
    const worker = new Worker(WORKER_URL, { type: 'module', name: id });
    const record = { id, kind, created: Date.now(), terminated: null };
    globalThis.__cutoutWorkers?.push(record);

    const settle = (outcome, value) => {
      worker.terminate();
      record.terminated = Date.now();
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
    worker.postMessage({ type: kind, job }, transfer);
  });
  return { done, cancel: () => stop?.(CANCELLED) };
}

/**
 * Runs one cutout job, retrying on the next backend after a WebGPU failure. `bytes` (an
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
