// Python for one worker: Pyodide and the `cutout` package, requested when the worker starts so
// they download while the job message is on its way. Every job kind boots Python through this.

import { seconds } from './bridge.js';

const pyodideModule = import('../vendor/pyodide/pyodide.mjs');
const packageArchive = fetch(new URL('../py/cutout.zip', import.meta.url)).then((response) => {
  if (!response.ok) throw new Error(`py/cutout.zip answered HTTP ${response.status}`);
  return response.arrayBuffer();
});
packageArchive.catch(() => {}); // reported when awaited

/**
 * Boots Pyodide with the `cutout` package and `bridge` registered as the module `cutout_bridge`;
 * returns the module `cutout.browser` and records the time taken in `timings['python-boot']`.
 */
export async function bootPython(bridge, timings) {
  const started = performance.now();
  const { loadPyodide } = await pyodideModule;
  const [pyodide, archive] = await Promise.all([
    loadPyodide({ indexURL: new URL('../vendor/pyodide/', import.meta.url).href }),
    packageArchive,
  ]);
  const sitePackages = pyodide.runPython('import site; site.getsitepackages()[0]');
  pyodide.unpackArchive(archive, 'zip', { extractDir: sitePackages });
  pyodide.registerJsModule('cutout_bridge', bridge);
  const browser = pyodide.pyimport('cutout.browser');
  timings['python-boot'] = seconds(started);
  return browser;
}

/** A failure as the page shows it: `{ code, message }`. */
export function failureOf(error) {
  if (error?.code) return { code: error.code, message: error.message };
  // A PythonError carries the whole traceback; its last line names the error.
  const message = String(error?.message ?? error).trim().split('\n').pop();
  return { code: 'error', message: `the job stopped unexpectedly: ${message}` };
}
