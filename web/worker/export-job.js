// The export job: a finished (maybe hand-edited) cutout laid over its new background and encoded
// by Python's export stage (py/cutout/export.py), which verifies the file by decoding it back.
// Only the flatten and scanlines graphs run here, on WASM; the network is never loaded.

import { WASM_MT, WASM_ST, loadOrt, threadsFor } from '../backends.js';
import { createBridge } from './bridge.js';
import { encode } from './codecs.js';
import { bootPython } from './python.js';

const FLATTEN_GRAPH = 'flatten.onnx';
// Filters a PNG's rows before they are deflated (py/cutout/graphs/scanlines.py).
const SCANLINES_GRAPH = 'scanlines.onnx';

/** job: { pixels: ArrayBuffer (RGBA), width, height, format, quality, background: null | [r,g,b,a] | ArrayBuffer (a picture file) } */
export async function runExportJob({ pixels, width, height, format, quality, background, fail }, post) {
  post({ type: 'event', event: { type: 'state', state: 'encoding', stage: 'starting Python' } });
  const backend = threadsFor(WASM_MT) > 1 ? WASM_MT : WASM_ST;
  const ort = await loadOrt(backend, new URL('../vendor/ort/', import.meta.url));
  const bridge = createBridge({ ort, backend, model: null, graphs: [FLATTEN_GRAPH, SCANLINES_GRAPH], fail,
    report: (event) => post({ type: 'event', event }) });
  const { export: exportCutout } = await bootPython({ ...bridge, encode }, bridge.timings);
  // `undefined`, not null, for what is absent: Python receives it as None.
  const picture = background instanceof ArrayBuffer ? new Uint8Array(background) : undefined;
  const colour = picture || background === null ? undefined : background;
  const output = await exportCutout(new Uint8Array(pixels), picture, { width, height, format, quality, colour, fail });
  if (output.error) throw output.error;
  const { data, mime, extension, notices } = output;
  post({ type: 'result', result: { bytes: data.buffer, mime, extension, notices, timings: bridge.timings } }, [data.buffer]);
}
