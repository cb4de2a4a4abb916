// The editing session's module worker: runs the compose graph on one region of an edited mask at a
// time, so edge refinement follows hand edits without the network or Python. Lives as long as the
// editor (terminated when it closes or another image is shown).

import { WASM_MT, WASM_ST, loadOrt, sessionOptions, threadsFor } from '../backends.js';

const backend = threadsFor(WASM_MT) > 1 ? WASM_MT : WASM_ST;
// A first run costs seconds (memory growth, kernel set-up); a region of typical size, run while the
// editor opens, pays that before the first edit instead of during it.
const WARM_UP = { width: 1024, height: 768, radii: [2, 2, 2, 2], block: 4 };

const int64 = (ort, values) => new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), [values.length]);

function feeds(ort, { rgba, alpha, width, height, margins, radii, block, decontamination }) {
  return {
    rgba: new ort.Tensor('uint8', rgba, [height, width, 4]),
    alpha: new ort.Tensor('float32', alpha, [height, width]),
    background: new ort.Tensor('uint8', new Uint8Array(4), [4]),
    margins: int64(ort, margins),
    radii: int64(ort, radii),
    block: int64(ort, [block]),
    decontamination: new ort.Tensor('float32', Float32Array.of(decontamination), []),
  };
}

const ready = (async () => {
  const ort = await loadOrt(backend, new URL('../vendor/ort/', import.meta.url));
  const response = await fetch(new URL('../graphs/compose.onnx', import.meta.url));
  if (!response.ok) throw new Error(`the compose graph could not be loaded (HTTP ${response.status})`);
  const session = await ort.InferenceSession.create(new Uint8Array(await response.arrayBuffer()), sessionOptions(backend));
  const { width, height } = WARM_UP;
  const alpha = new Float32Array(width * height).fill(0.5, 0, width * 8); // a few soft rows
  const rgba = new Uint8Array(width * height * 4).fill(255);
  await session.run(feeds(ort, { ...WARM_UP, rgba, alpha, margins: [0, 0], decontamination: 1 }), ['rgba_out']);
  return { ort, session };
})();
ready.catch(() => {}); // reported with the first region

// { id, rgba, alpha, width, height, margins, radii, block, decontamination } → { id, rgba, ms } or { id, error }
self.onmessage = async ({ data }) => {
  const { id } = data;
  try {
    const { ort, session } = await ready;
    const started = performance.now();
    const { rgba_out: out } = await session.run(feeds(ort, data), ['rgba_out']);
    // Transferred, so it must own its buffer.
    const pixels = out.data.byteLength === out.data.buffer.byteLength ? out.data : out.data.slice();
    self.postMessage({ id, rgba: pixels, ms: performance.now() - started, backend, threads: ort.env.wasm.numThreads },
      [pixels.buffer]);
  } catch (error) {
    self.postMessage({ id, error: error?.message ?? String(error) });
  }
};
