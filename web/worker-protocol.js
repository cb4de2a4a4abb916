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
 * Runs one job. `bytes` (an ArrayBuffer) is transferred to the worker. Returns
 * `{ done: Promise<result>, cancel() }`; `done` rejects with `{ code, message }`.
 */
export function startJob({ name, bytes, model, background, backends, onEvent = () => {} }) {
  const { fail } = testSwitches();
  let stopCurrent = null;
  let cancelled = false;

  function runInWorker(backendList, input, fallback) {
    return new Promise((resolve, reject) => {
      const id = `cutout-job-${++workersCreated}`;
      const worker = new Worker(WORKER_URL, { type: 'module', name: id });
      const record = { id, created: Date.now(), terminated: null };
      globalThis.__cutoutWorkers?.push(record);
      let announceFallback = fallback;

      const settle = (outcome, value) => {
        worker.terminate();
        record.terminated = Date.now();
        stopCurrent = null;
        outcome(value);
      };
      stopCurrent = (failure) => settle(reject, failure);

      worker.onmessage = ({ data }) => {
        if (data.type === 'event') {
          const { event } = data;
          // Failure is announced once, by this page, after any retry has had its chance.
          if (event.type === 'state' && event.state === 'failed') return;
          if (event.type === 'backend' && announceFallback) {
            Object.assign(event, announceFallback);
            announceFallback = null;
          }
          onEvent(event);
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
      worker.postMessage({ type: 'start', job: { name, bytes: input, model, background, backend: backendList[0], fail } }, [input]);
    });
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
          return await runInWorker(backendList, input, fallback);
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
      stopCurrent?.(CANCELLED);
    },
  };
}
