// Python for one worker: Pyodide restored from the build's memory snapshot, in which the `cutout`
// package is already imported (scripts/python_snapshot.mjs). Both are requested when the worker
// starts, so they download while the job message is on its way. Every job kind boots Python here.

import { seconds } from './bridge.js';

const pyodideModule = import('../vendor/pyodide/pyodide.mjs');
// Gzipped, under a name no server sends with `Content-Encoding: gzip` (as some do for *.gz).
const snapshot = fetch(new URL('../py/python-snapshot.gzip', import.meta.url)).then((response) => {
  if (!response.ok) throw new Error(`py/python-snapshot.gzip answered HTTP ${response.status}`);
  return new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
});
snapshot.catch(() => {}); // reported when awaited

/**
 * Boots Pyodide from the snapshot with `bridge` registered as the module `cutout_bridge`; returns
 * the module `cutout.browser` and records the time taken in `timings['python-boot']`.
 */
export async function bootPython(bridge, timings) {
  const started = performance.now();
  const { loadPyodide } = await pyodideModule;
  const pyodide = await loadPyodide({
    indexURL: new URL('../vendor/pyodide/', import.meta.url).href,
    _loadSnapshot: snapshot,
  });
  // Pyodide copied the snapshot into its memory but keeps its options, and so the 31 MB buffer:
  // detached, it is freed. (A worker boots Python once.)
  (await snapshot).transfer(0);
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
