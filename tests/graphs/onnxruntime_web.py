"""Running a graph under onnxruntime-web's WebAssembly backend (in Node), as the browser's workers do."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORT_WEB = ROOT / "node_modules" / "onnxruntime-web" / "dist" / "ort.wasm.min.mjs"

needs_node = pytest.mark.skipif(shutil.which("node") is None or not ORT_WEB.exists(), reason="needs Node and npm ci")


def run_in_node(folder: Path, script: str, timeout: int = 300) -> None:
    """Runs `script` as an ES module in Node, after `ort` (onnxruntime-web on one WASM thread),
    `fs` and `folder` (the path, where it reads its inputs and writes its outputs) are defined."""
    preamble = (f"import * as ort from {json.dumps(ORT_WEB.as_uri())};\nimport fs from 'fs';\n"
                f"ort.env.wasm.numThreads = 1;\nconst folder = {json.dumps(str(folder))};\n")
    path = folder / "run.mjs"
    path.write_text(preamble + script)
    subprocess.run(["node", str(path)], check=True, capture_output=True, timeout=timeout)
