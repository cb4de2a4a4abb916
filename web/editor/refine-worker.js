// The editing session's module worker: runs the compose graph on one region of an edited mask at a
// time, so edge refinement follows hand edits without the network or Python. Lives as long as the
// editor (terminated when it closes or another image is shown).

import { WASM_MT, WASM_ST, loadOrt, sessionOptions, threadsFor } from '../backends.js';

const backend = threadsFor(WASM_MT) > 1 ? WASM_MT : WASM_ST;
const ready = (async () => {
  const ort = await loadOrt(backend, new URL('../vendor/ort/', import.meta.url));
  const response = await fetch(new URL('../graphs/compose.onnx', import.meta.url));
  if (!response.ok) throw new Error(`the compose graph could not be loaded (HTTP ${response.status})`);
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), sessionOptions(backend));
  return { ort, session };
})();
ready.catch(() => {}); // reported with the first region

const int64 = (ort, values) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]);

// { id, rgba, alpha, width, height, margins, radii, block, decontamination } → { id, rgba, ms } or { id, error }
self.onmessage = async ({ data }) => {
  const { id, rgba, alpha, width, height, margins, radii, block, decontamination } = data;
  try {
    const { ort, session } = await ready;
    const started = performance.now();
    const { rgba_out: out } = await session.run({
      rgba: new ort.Tensor('uint8', rgba, [height, width, 4]),
      alpha: new ort.Tensor('float32', alpha, [height, width]),
      background: new ort.Tensor('uint8', new Uint8Array(4), [4]),
      margins: int64(ort, margins),
      radii: int64(ort, radii),
      block: int64(ort, [block]),
      decontamination: new ort.Tensor('float32', Float32Array.of(decontamination), []),
    }, ['rgba_out']);
    // Transferred, so it must own its buffer.
    const pixels = out.data.byteLength === out.data.buffer.byteLength ? out.data : out.data.slice();
    self.postMessage({ id, rgba: pixels, ms: performance.now() - started, backend, threads: ort.env.wasm.numThreads },
      [pixels.buffer]);
  } catch (error) {
    self.postMessage({ id, error: error?.message ?? String(error) });
  }
};
