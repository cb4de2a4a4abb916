// The cutout job: while Python boots, the model loads and the ONNX Runtime sessions are created;
// then py/cutout/browser.py runs cutout.job and the result's buffers come back transferred.

import { loadOrt } from '../backends.js';
import { createBridge, seconds } from './bridge.js';
import { bootPython } from './python.js';

/** `post(message, transfer)` sends to the page; resolves with the result message. */
export async function runCutoutJob({ bytes, model, background, decontaminate = true, backend, fail }, post) {
  const started = performance.now();
  const postEvent = (event) => post({ type: 'event', event });
  postEvent({ type: 'state', state: 'preparing', stage: 'starting Python' });
  const ort = await loadOrt(backend, new URL('../vendor/ort/', import.meta.url));
  const bridge = createBridge({ ort, backend, model, fail, report: postEvent });
  postEvent({ type: 'backend', backend: bridge.backend, threads: bridge.threads });
  // Settles only if preparing fails, so a broken backend fails the job at once, not at inference.
  const preparationFailure = bridge.prepare().then(() => new Promise(() => {}));
  const job = (async () => {
    const { run } = await bootPython(bridge, bridge.timings);
    return run(new Uint8Array(bytes), { model, background, decontaminate, fail });
  })();
  const output = await Promise.race([job, preparationFailure]);
  if (output.error) throw output.error;
  const { png, source, mask, pixels, width, height, notices, timings } = output;
  const result = {
    png: png.buffer, source: source.buffer, mask: mask.buffer, pixels: pixels.buffer, width, height, notices,
    backend: bridge.backend, threads: bridge.threads,
    timings: { ...bridge.timings, ...timings, total: seconds(started) },
  };
  post({ type: 'result', result }, [png.buffer, source.buffer, mask.buffer, pixels.buffer]);
}
