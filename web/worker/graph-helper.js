// A graph helper (web/worker/graph-helpers.js): a module worker started by a job worker that runs
// generated graphs on single-threaded ONNX Runtime, one run at a time, terminated with its job.
//
// Messages: in  { type: 'start', wasm, files, heapBytes, fail } (wasm: the page's compiled modules,
//               web/compiled-wasm.js; the sessions of `files` are created and the heap grown
//               before any run; fail: the job's test-only switch),
//               then { id, file, specs, outputNames, buffers } (buffers transferred, one per spec)
//           out { type: 'ready' } or { type: 'unready', error } once started, then for each run
//               { id, results: [{ dtype, dims, data }] } (data transferred) or { id, error }

import { WASM_ST, loadOrt, sessionOptions } from '../backends.js';
import { instantiateCompiled } from '../compiled-wasm.js';
import { fetchGraph, growHeap, typedView } from './graph-runs.js';

let ort = null;
const sessions = new Map(); // file name → Promise<InferenceSession>

function session(file) {
  if (!sessions.has(file)) {
    sessions.set(file, fetchGraph(file).then((bytes) => ort.InferenceSession.create(bytes, sessionOptions(WASM_ST))));
  }
  return sessions.get(file);
}

async function run({ file, specs, outputNames, buffers }) {
  const feeds = Object.fromEntries(specs.map(([name, dtype, dims], index) =>
    [name, new ort.Tensor(dtype, typedView(dtype, new Uint8Array(buffers[index])), dims)]));
  const results = await (await session(file)).run(feeds, outputNames);
  return outputNames.map((name) => {
    const { type, dims, data } = results[name];
    // Its own buffer, so that it can be transferred whole.
    const owned = data.byteLength === data.buffer.byteLength ? data : data.slice();
    return { dtype: type, dims, data: owned };
  });
}

// Runs queue here, one after another, behind the start: the job worker hands them out as they
// come and may be busy (deflating) when one finishes, so a helper never waits for it to send the next.
let queue = null;
self.onmessage = ({ data }) => {
  if (data.type === 'start') {
    instantiateCompiled(data.wasm ?? {});
    queue = loadOrt(WASM_ST, new URL('../vendor/ort/', import.meta.url)).then(async (loaded) => {
      if (data.fail === 'graph-helper') throw new Error('simulated graph helper failure (test switch fail=graph-helper)');
      ort = loaded;
      await Promise.all(data.files.map(session));
      // Grown before the first run, as the job's own heap is: a heap that grows run by run
      // made the first tiles slower.
      await growHeap(ort, WASM_ST, data.heapBytes);
    });
    queue.then(() => self.postMessage({ type: 'ready' }),
      (error) => self.postMessage({ type: 'unready', error: error.message ?? String(error) }));
    return;
  }
  queue = queue.then(() => run(data)).then(
    (results) => self.postMessage({ id: data.id, results }, results.map(({ data: array }) => array.buffer)),
    (error) => self.postMessage({ id: data.id, error: error.message ?? String(error) }),
  );
};
