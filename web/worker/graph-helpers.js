// Graph helpers: workers beside a job's that run independent runs of a generated graph (the tiles
// of compose) at the same time, each on one thread of its own ONNX Runtime.
// Why: on the job's ONNX Runtime, two threads share every per-pixel pass of a tile, and on the
// benchmark machine that sharing went from fast to slow for minutes at a time (48 tiles of 12 MP
// in Node: 0.70 s or 1.65 s on 2 threads) while two single-threaded runtimes side by side took
// 0.57–0.61 s throughout. And the job worker, free while they run, deflates the PNG's rows as they come.

import { pageModules } from '../compiled-wasm.js';
import { coded } from './graph-runs.js';

const HELPER_URL = new URL('./graph-helper.js', import.meta.url);

/**
 * `count` helpers, started now (each loads ONNX Runtime, creates the sessions of the graph files
 * `files` and grows its heap to `heapBytes` while the job prepares; `ready` says when). `run(file, specs,
 * outputNames, buffers)` copies the Python buffers at once and resolves to [{ dtype, dims, data }],
 * as the bridge's own run does; runs go to the helpers in turn, each queueing its own.
 * `fail` is the job's test-only switch: `graph-helper` makes every helper fail to start.
 */
export function startGraphHelpers(count, files, heapBytes, fail = '') {
  const settlers = new Map(); // id → { resolve, reject }
  let nextId = 0;
  let broken = null;

  function stopAll(why) {
    broken ??= coded('backend-failure', `a graph helper stopped: ${why}`);
    settlers.forEach(({ reject }) => reject(broken));
    settlers.clear();
  }

  const starts = [];
  const helpers = Array.from({ length: count }, (_, index) => {
    const helper = new Worker(HELPER_URL, { type: 'module', name: `graph-helper-${index + 1}` });
    let started;
    starts.push(new Promise((resolve) => { started = resolve; }));
    helper.onmessage = ({ data }) => {
      if (data.type === 'ready' || data.type === 'unready') {
        started(data.type === 'ready');
        return;
      }
      const settler = settlers.get(data.id);
      if (!settler) return; // a run failed with its helper's neighbour
      settlers.delete(data.id);
      if (data.error) settler.reject(coded('backend-failure', data.error));
      else settler.resolve(data.results);
    };
    helper.onerror = (event) => {
      started(false);
      stopAll(event.message ?? 'no reason given');
    };
    helper.postMessage({ type: 'start', wasm: pageModules(), files, heapBytes, fail });
    return helper;
  });

  return {
    /** Resolves to whether every helper started; where one did not, `terminate` and run on the job's runtime. */
    ready: Promise.all(starts).then((started) => started.every(Boolean)),
    terminate() {
      helpers.forEach((helper) => helper.terminate());
    },
    run(file, specs, outputNames, buffers) {
      if (broken) return Promise.reject(broken);
      const transfer = [];
      const copies = buffers.map((buffer) => {
        const view = buffer.getBuffer('u8');
        try {
          // A copy of its own: Python's buffer lives in Pyodide's heap, which cannot be transferred.
          const copy = view.data.slice();
          transfer.push(copy.buffer);
          return copy.buffer;
        } finally {
          view.release();
        }
      });
      const id = ++nextId;
      return new Promise((resolve, reject) => {
        settlers.set(id, { resolve, reject });
        helpers[id % count].postMessage({ id, file, specs, outputNames, buffers: copies }, transfer);
      });
    },
  };
}
