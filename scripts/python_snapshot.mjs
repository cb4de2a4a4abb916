// Writes the worker's Python as a memory snapshot: Pyodide booted with the `cutout` package
// imported, its whole WebAssembly memory gzipped. A worker that restores it skips Python's
// start-up and every import (about 2 s of each job's 2.5–3.5 s boot, docs/benchmarks.md).
//
//   node scripts/python_snapshot.mjs <pyodide folder> <cutout.zip> <output file>
//
// Run by scripts/build.py on the very Pyodide files it ships: a snapshot only fits the build of
// pyodide.asm.wasm that made it. Pyodide's snapshot options are marked private (`_makeSnapshot`,
// `_loadSnapshot`), so the version is pinned and every end-to-end job runs from the snapshot.
// Everything in Python's memory is shared by the workers restored from it: the hash seed and the
// `random` module's state (Pyodide imports it; cutout never uses it) included.

import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const [pyodideFolder, packageZip, output] = process.argv.slice(2);
if (!output) {
  console.error('usage: node scripts/python_snapshot.mjs <pyodide folder> <cutout.zip> <output file>');
  process.exit(2);
}
const { loadPyodide } = await import(pathToFileURL(resolve(pyodideFolder, 'pyodide.mjs')).href);
const pyodide = await loadPyodide({ indexURL: `${resolve(pyodideFolder)}/`, _makeSnapshot: true });
const sitePackages = pyodide.runPython('import site; site.getsitepackages()[0]');
pyodide.unpackArchive(new Uint8Array(readFileSync(packageZip)), 'zip', { extractDir: sitePackages });
// cutout.browser imports the whole browser pipeline; the JavaScript bridge it calls is registered
// after the restore, and imported only when a job runs.
pyodide.runPython('import cutout.browser');
writeFileSync(output, gzipSync(pyodide.makeMemorySnapshot(), { level: 9 }));
