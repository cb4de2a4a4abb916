// What a job worker (bridge.js) and its graph helpers (graph-helper.js) share to run generated graphs
// on ONNX Runtime: errors with a cutout.errors code, typed views of Python's buffers, the graph files.

import { sessionOptions } from '../backends.js';

// The generated graph that grows ONNX Runtime's heap (py/cutout/graphs/heap.py).
const HEAP_GRAPH = 'heap.onnx';
// ONNX Runtime wants a typed array of the tensor's element type.
const TYPED_ARRAYS = { uint8: Uint8Array, float32: Float32Array, float16: Uint16Array, int64: BigInt64Array };

/** An Error carrying a cutout.errors `code` (or `backend-failure`), as the page and Python read it. */
export function coded(code, message) {
  return Object.assign(new Error(message), { code });
}

export function typedView(dtype, bytes) {
  const Type = TYPED_ARRAYS[dtype];
  // A typed view needs an aligned offset: Python's buffers are, a slice of one may not be.
  const aligned = bytes.byteOffset % Type.BYTES_PER_ELEMENT === 0 ? bytes : bytes.slice();
  return new Type(aligned.buffer, aligned.byteOffset, aligned.byteLength / Type.BYTES_PER_ELEMENT);
}

/** The bytes of the generated graph `file` (build.py writes them to graphs/). */
export async function fetchGraph(file) {
  const graphUnavailable = (why) => coded('model-unavailable', `the graph ${file} could not be loaded (${why})`);
  let response;
  try {
    response = await fetch(new URL(`../graphs/${file}`, import.meta.url));
  } catch (error) {
    throw graphUnavailable(error.message);
  }
  if (!response.ok) throw graphUnavailable(`HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Grows the heap of `ort` (running on `backend`) to at least `bytes` by running the heap graph once. */
export async function growHeap(ort, backend, bytes) {
  const heap = await ort.InferenceSession.create(await fetchGraph(HEAP_GRAPH), sessionOptions(backend));
  try {
    await heap.run({ floats: new ort.Tensor('int64', BigInt64Array.of(BigInt(bytes / 4)), [1]) });
  } finally {
    await heap.release();
  }
}
