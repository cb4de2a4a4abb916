// The job worker (a module worker): one per job, terminated by the page when the job ends
// (web/worker-protocol.js). While Python boots it already loads the model and creates the ONNX
// Runtime sessions; then py/cutout/browser.py runs cutout.job and the PNG comes back transferred.
//
// Messages: in  { type: 'start', job: { bytes, model, background, backend, fail } }
//           out { type: 'event', event } … then { type: 'result', result } or { type: 'error', error: { code, message } }

import { loadOrt } from '../backends.js';
import { createBridge, seconds } from './bridge.js';

// Set before anything is awaited: a message arriving before the handler exists is lost.
self.onmessage = ({ data }) => {
  self.onmessage = null; // one job per worker
  runJob(data.job);
};

// Requested now so they load while the job message is on its way.
const pyodideModule = import('../vendor/pyodide/pyodide.mjs');
const packageArchive = fetch(new URL('../py/cutout.zip', import.meta.url)).then((response) => {
  if (!response.ok) throw new Error(`py/cutout.zip answered HTTP ${response.status}`);
  return response.arrayBuffer();
});
packageArchive.catch(() => {}); // reported when awaited

const postEvent = (event) => self.postMessage({ type: 'event', event });

async function bootPython(loadPyodide, bridge) {
  const started = performance.now();
  const [pyodide, archive] = await Promise.all([
    loadPyodide({ indexURL: new URL('../vendor/pyodide/', import.meta.url).href }),
    packageArchive,
  ]);
  const sitePackages = pyodide.runPython('import site; site.getsitepackages()[0]');
  pyodide.unpackArchive(archive, 'zip', { extractDir: sitePackages });
  pyodide.registerJsModule('cutout_bridge', bridge);
  const run = pyodide.pyimport('cutout.browser').run;
  bridge.timings['python-boot'] = seconds(started);
  return run;
}

function failureOf(error) {
  if (error?.code) return { code: error.code, message: error.message };
  // A PythonError carries the whole traceback; its last line names the error.
  const message = String(error?.message ?? error).trim().split('\n').pop();
  return { code: 'error', message: `the job stopped unexpectedly: ${message}` };
}

async function runJob({ bytes, model, background, backend, fail }) {
  const started = performance.now();
  postEvent({ type: 'state', state: 'preparing', stage: 'starting Python' });
  try {
    const [{ loadPyodide }, ort] = await Promise.all([pyodideModule, loadOrt(backend, new URL('../vendor/ort/', import.meta.url))]);
    const bridge = createBridge({ ort, backend, model, fail, report: postEvent });
    postEvent({ type: 'backend', backend: bridge.backend, threads: bridge.threads });
    // Settles only if preparing fails, so a broken backend fails the job at once, not at inference.
    const preparationFailure = bridge.prepare().then(() => new Promise(() => {}));
    const job = (async () => {
      const run = await bootPython(loadPyodide, bridge);
      return run(new Uint8Array(bytes), { model, background });
    })();
    const output = await Promise.race([job, preparationFailure]);
    if (output.error) throw output.error;
    const { png, width, height, notices, timings } = output;
    const result = {
      png: png.buffer, width, height, notices,
      backend: bridge.backend, threads: bridge.threads,
      timings: { ...bridge.timings, ...timings, total: seconds(started) },
    };
    self.postMessage({ type: 'result', result }, [png.buffer]);
  } catch (error) {
    console.error(error);
    self.postMessage({ type: 'error', error: failureOf(error) });
  }
}
