// The cutout job: while Python boots, the model loads and the ONNX Runtime sessions are created;
// then py/cutout/browser.py runs cutout.job and the result's buffers come back transferred.
// The preparation can start before the job arrives (a worker prepared ahead by the page, see
// web/worker-protocol.js); the worker still runs exactly one job.

import { loadOrt, threadsFor } from '../backends.js';
import { instantiatedFromPage } from '../compiled-wasm.js';
import { createBridge, seconds } from './bridge.js';
import { bootPython } from './python.js';

const ignore = () => {};
// A worker prepared ahead keeps the heap it reserved (bridge.reserveHeap, up to 0.8 GB) while the
// page idles: only on a device with at least this much memory, in GB (navigator.deviceMemory;
// where a browser does not tell, as where the page prepares a worker at all).
const HEAP_RESERVE_MIN_DEVICE_MEMORY_GB = 8;

/**
 * Starts everything a job on `model` and `backend` needs. Events raised meanwhile (a model
 * download, say) wait for the job to `attach` its `post`; failures surface when the job awaits them.
 * `ahead`: the page prepares this worker before its job, while it idles; the heap is reserved then.
 */
export function prepareCutoutJob({ model, backend, fail = '' }, { ahead = false } = {}) {
  const started = performance.now();
  const waiting = [];
  let forward = (event) => waiting.push(event);
  const ready = (async () => {
    const ort = await loadOrt(backend, new URL('../vendor/ort/', import.meta.url));
    const bridge = createBridge({ ort, backend, model, fail, report: (event) => forward(event) });
    const sessions = bridge.prepare();
    // Settles only if preparing fails, so a broken backend fails the job at once, not at inference.
    const preparationFailure = sessions.then(() => new Promise(ignore));
    const python = bootPython(bridge, bridge.timings);
    preparationFailure.catch(ignore); // both surface in the job's race
    python.catch(ignore);
    const roomy = (navigator.deviceMemory ?? HEAP_RESERVE_MIN_DEVICE_MEMORY_GB) >= HEAP_RESERVE_MIN_DEVICE_MEMORY_GB;
    // After the rest, so that it never delays them; a failure only costs the speed it would give.
    const heapReserved = ahead && roomy ? Promise.all([sessions, python]).then(() => bridge.reserveHeap()).catch(ignore) : null;
    return { bridge, preparationFailure, python, sessions, heapReserved };
  })();
  ready.catch(ignore);
  return {
    setup: { model, backend, fail },
    started,
    ready,
    /** Resolves when Python has booted, every session exists and the heap is reserved; rejects if any of it failed. */
    whenReady: ready.then(({ sessions, python, heapReserved }) => Promise.all([sessions, python, heapReserved])),
    attach(postEvent) {
      forward = postEvent;
      waiting.splice(0).forEach(postEvent);
    },
  };
}

/**
 * `post(message, transfer)` sends to the page; resolves when the result message is posted.
 * `prepared` comes from prepareCutoutJob when the page prepared this worker ahead of the job.
 */
export async function runCutoutJob(job, post, prepared = null) {
  const { bytes, model, background, decontaminate = true, backend, fail = '' } = job;
  const received = performance.now();
  const preparedAhead = prepared !== null;
  const setup = prepared?.setup;
  if (preparedAhead && (setup.model !== model || setup.backend !== backend || setup.fail !== fail)) {
    throw new Error(`this worker was prepared for ${setup.model} on ${setup.backend}, not ${model} on ${backend}`);
  }
  const preparation = prepared ?? prepareCutoutJob({ model, backend, fail });
  const postEvent = (event) => post({ type: 'event', event });
  postEvent({ type: 'state', state: 'preparing', stage: 'starting Python' });
  postEvent({ type: 'backend', backend, threads: threadsFor(backend) });
  preparation.attach(postEvent);

  const { bridge, preparationFailure, python, heapReserved } = await preparation.ready;
  await heapReserved; // a job that arrives meanwhile starts once the heap is grown
  const pipeline = python.then(({ run }) => run(new Uint8Array(bytes), { model, background, decontaminate, fail }));
  const output = await Promise.race([pipeline, preparationFailure]);
  if (output.error) throw output.error;
  const { png, source, mask, pixels, width, height, notices, timings } = output;
  const result = {
    png: png.buffer, source: source.buffer, mask: mask.buffer, pixels: pixels.buffer, width, height, notices,
    backend: bridge.backend, threads: bridge.threads, deflatedBeside: bridge.deflatesBeside, graphHelpers: bridge.graphHelpers, preparedAhead,
    wasmFromPage: instantiatedFromPage(),
    // `total` is what the person waited: from the job's arrival. `prepared` is how long before it
    // this worker started preparing (0 for a worker started with the job).
    timings: { ...bridge.timings, ...timings, total: seconds(received), prepared: Math.round(received - preparation.started) / 1000 },
  };
  post({ type: 'result', result }, [png.buffer, source.buffer, mask.buffer, pixels.buffer]);
}
