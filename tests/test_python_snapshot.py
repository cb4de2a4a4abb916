"""scripts/python_snapshot.mjs: the worker's Python, restored in Node's Pyodide as a worker restores it."""

import importlib.util
import json
import subprocess
import zlib
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PYODIDE = ROOT / "node_modules" / "pyodide"
SCRIPT = ROOT / "scripts" / "python_snapshot.mjs"

# Runs first thing after the restore: is the package there before any import, and from where?
CHECK = """
import sys
preloaded = "cutout.browser" in sys.modules
import json, os, site
from cutout.encode import ZlibDeflater
deflater = ZlibDeflater()
deflater.write(bytes(range(24)))
json.dumps({"preloaded": preloaded, "package_files": os.path.exists(os.path.join(site.getsitepackages()[0], "cutout")),
            "stream": list(deflater.stream())})
"""
RESTORE = """
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
const { loadPyodide } = await import(process.argv[1]);
const pyodide = await loadPyodide({ _loadSnapshot: new Uint8Array(gunzipSync(readFileSync(process.argv[2]))) });
console.log(pyodide.runPython(readFileSync(0, 'utf8')));
"""


def package_zip() -> bytes:
    spec = importlib.util.spec_from_file_location("build_script", ROOT / "scripts" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.cutout_zip()


def test_a_restored_snapshot_runs_the_package_from_memory(tmp_path):
    archive, snapshot = tmp_path / "cutout.zip", tmp_path / "python-snapshot.gzip"
    archive.write_bytes(package_zip())
    subprocess.run(["node", str(SCRIPT), str(PYODIDE), str(archive), str(snapshot)], check=True, timeout=120)
    restored = subprocess.run(["node", "--input-type=module", "-e", RESTORE, (PYODIDE / "pyodide.mjs").as_uri(),
                               str(snapshot)], input=CHECK, capture_output=True, text=True, check=True, timeout=120)
    answer = json.loads(restored.stdout.strip().splitlines()[-1])
    # Imported when the snapshot was made; its files were never part of the snapshot.
    assert answer["preloaded"] and not answer["package_files"]
    assert zlib.decompress(bytes(answer["stream"])) == bytes(range(24))
