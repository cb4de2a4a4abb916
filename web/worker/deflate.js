// The PNG's deflater for Python (py/cutout/browser.py BridgeDeflater): the browser's own zlib
// (CompressionStream 'deflate', which writes a zlib stream: what a PNG's IDAT holds), run in a
// worker of its own so that it deflates the tiles the job has composed while ONNX Runtime composes
// the next ones on the job worker's thread. The job worker is terminated after its job, and this
// worker with it.

// With cutout.errors' code, so that Python raises it as an EncodeFailure (py/cutout/browser.py _call).
function compressionFailure(why) {
  return Object.assign(new Error(`the PNG could not be compressed (${why})`), { code: 'encode-failure' });
}

/**
 * A deflater: `write(buffer)` a Python buffer (copied, then sent), `finish()` → the zlib stream.
 * `fail` is the job's test-only switch: `deflate` sends the worker's stream a chunk it cannot take.
 */
export function startDeflate(fail = '') {
  const worker = new Worker(new URL('./deflate-worker.js', import.meta.url), { type: 'module' });
  const finished = new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => (data.error ? reject(compressionFailure(data.error)) : resolve(new Uint8Array(data.stream)));
    worker.onerror = (event) => reject(compressionFailure(`its worker stopped: ${event.message ?? 'no reason given'}`));
  });
  finished.catch(() => {}); // surfaces in finish()
  return {
    write(buffer) {
      const view = buffer.getBuffer('u8');
      try {
        // A copy of its own: Python's buffer lives in Pyodide's heap, which cannot be transferred.
        const chunk = view.data.slice();
        worker.postMessage(chunk, [chunk.buffer]);
      } finally {
        view.release();
      }
    },
    async finish() {
      if (fail === 'deflate') worker.postMessage('not bytes');
      worker.postMessage(null);
      try {
        return await finished;
      } finally {
        worker.terminate();
      }
    },
  };
}
