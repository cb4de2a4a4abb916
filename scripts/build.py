"""Build dist/: the whole site as a plain static folder (see docs/web-contract.md).

    PYTHONPATH=py python3 scripts/build.py

Idempotent and quick when nothing changed: files are copied only when their size or mtime
differ, graphs are regenerated only when the Python sources change, and anything in dist/
that the build no longer produces is removed.
"""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "py"))

from cutout.models import MODELS, graph_names  # noqa: E402
from cutout.native import PACKAGE, package_sources, sources_digest  # noqa: E402
from cutout.vendor import fetch_all, is_cached, models_dir, sha256_of  # noqa: E402

DIST = ROOT / "dist"
WEB = ROOT / "web"
NODE_MODULES = ROOT / "node_modules"
STAMPS = ROOT / "build"

TOP_LEVEL_FILES = ["service-worker.js", "manifest.webmanifest"]
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]
# The onnxruntime-web builds of web/backends.js (ORT_BUILDS): WebGPU (+WASM) and plain WASM. Each
# bundle embeds its Emscripten loader and starts its thread workers from itself (no blob: workers).
ORT_FILES = ["ort.webgpu.bundle.min.mjs", "ort-wasm-simd-threaded.asyncify.wasm",
             "ort.wasm.bundle.min.mjs", "ort-wasm-simd-threaded.wasm"]
# Decoders of web/worker/decoders.js for what Chromium does not read: HEIC (libheif with its
# WebAssembly embedded) and TIFF (UTIF, which inflates Deflate-compressed TIFF with pako).
DECODER_FILES = [("vendor/libheif", "libheif-js/libheif-wasm", ["libheif-bundle.mjs"]),
                 ("vendor/utif", "utif2", ["UTIF.js"]),
                 ("vendor/pako", "pako/dist", ["pako.min.js"])]
# jSquash's encoders for WebP and JPEG export (web/worker/codecs.js): Emscripten factory, wasm, defaults.
JSQUASH_FILES = {
    "webp": ["codec/enc/webp_enc_simd.js", "codec/enc/webp_enc_simd.wasm", "meta.js"],
    "jpeg": ["codec/enc/mozjpeg_enc.js", "codec/enc/mozjpeg_enc.wasm", "meta.js"],
}
# Builders of the graphs and the onnxruntime glue are native-only; the browser never imports them.
NATIVE_ONLY = {"graphs", "native.py"}
# Not precached: the service worker and build.json are fetched fresh to find updates, _headers is
# for the host, and models are downloaded on first use by model-store.js.
NOT_PRECACHED = {"service-worker.js", "build.json", "_headers"}
MODELS_FOLDER = "models"
# The worker's Python: Pyodide's memory with the package imported (write_python_snapshot).
PYTHON_SNAPSHOT = "py/python-snapshot.gzip"

# Every response of the site carries these (scripts/serve.py reads them back from _headers).
CSP = "; ".join([
    "default-src 'self'",
    # Pyodide and ONNX Runtime compile WebAssembly; neither needs eval or inline script.
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "connect-src 'self'",
    "img-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
])
HEADERS = {
    # Cross-origin isolation: SharedArrayBuffer, hence ONNX Runtime threads.
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def log(message: str) -> None:
    print(f"build: {message}", flush=True)


def sync_file(source: Path, target: Path) -> None:
    """Copy unless the target already has the same size and modification time."""
    if target.is_file():
        mine, theirs = source.stat(), target.stat()
        if mine.st_size == theirs.st_size and mine.st_mtime_ns == theirs.st_mtime_ns:
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def write_if_changed(target: Path, data: bytes) -> None:
    if target.is_file() and target.read_bytes() == data:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def copied_files() -> dict[str, Path]:
    """dist-relative path → source file, for everything copied as it is."""
    files = {path.relative_to(WEB).as_posix(): path for path in sorted(WEB.rglob("*")) if path.is_file()}
    for name in TOP_LEVEL_FILES:
        if (ROOT / name).is_file():
            files[name] = ROOT / name
    vendored = [("vendor/pyodide", "pyodide", PYODIDE_FILES), ("vendor/ort", "onnxruntime-web/dist", ORT_FILES), *DECODER_FILES]
    vendored += [(f"vendor/jsquash/{codec}", f"@jsquash/{codec}", names) for codec, names in JSQUASH_FILES.items()]
    for folder, package, names in vendored:
        for name in names:
            source = NODE_MODULES / package / name
            if not source.is_file():
                raise SystemExit(f"build: {source} is missing: run `npm ci` first")
            files[f"{folder}/{name}"] = source
    for model in MODELS.values():
        file = model.in_browser.file
        files[f"{MODELS_FOLDER}/{file}"] = models_dir() / file
    return files


def cutout_zip() -> bytes:
    """The browser's copy of the package, byte-identical for identical sources (fixed timestamps).

    It goes into the Python snapshot, not into dist/.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in package_sources():
            relative = path.relative_to(PACKAGE)
            if relative.parts[0] in NATIVE_ONLY:
                continue
            entry = zipfile.ZipInfo(f"cutout/{relative.as_posix()}", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes())
    return buffer.getvalue()


def is_stamped(step: str, inputs_digest: str) -> bool:
    """Whether `step` last ran on inputs with this digest (its stamp in build/)."""
    stamp = STAMPS / f"{step}.sha256"
    return stamp.is_file() and stamp.read_text() == inputs_digest


def run_and_stamp(command: list[str], what: str, step: str, inputs_digest: str, env: dict | None = None) -> None:
    """Runs a build step's command, stops the build with its stderr if it fails, then stamps its inputs."""
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"build: {what} failed:\n{result.stderr}")
    STAMPS.mkdir(exist_ok=True)
    (STAMPS / f"{step}.sha256").write_text(inputs_digest)


def write_python_snapshot(target: Path) -> None:
    """Pyodide with the package imported, as a memory snapshot (scripts/python_snapshot.mjs).

    Made again only when the package or Pyodide changed: two snapshots of the same inputs differ
    (random state, clocks), and the site's version should not change without a reason.
    """
    archive = STAMPS / "cutout.zip"
    write_if_changed(archive, cutout_zip())
    pyodide = DIST / "vendor" / "pyodide"
    script = ROOT / "scripts" / "python_snapshot.mjs"
    digest = hashlib.sha256()
    for path in [archive, script, *(pyodide / name for name in PYODIDE_FILES)]:
        digest.update(path.name.encode() + b"\0" + sha256_of(path).encode() + b"\n")
    if target.is_file() and is_stamped("python-snapshot", digest.hexdigest()):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    run_and_stamp(["node", str(script), str(pyodide), str(archive), str(target)], "making the Python snapshot",
                  "python-snapshot", digest.hexdigest())
    log(f"Python snapshot written to {target.relative_to(ROOT)} ({target.stat().st_size / 1e6:.1f} MB)")


def generate_graphs(folder: Path) -> None:
    """`python -m cutout.graphs`, skipped while the package sources are what they were last time."""
    digest = sources_digest()
    if folder.is_dir() and any(folder.iterdir()) and is_stamped("graphs", digest):
        return
    shutil.rmtree(folder, ignore_errors=True)
    run_and_stamp([sys.executable, "-m", "cutout.graphs", str(folder)], "generating the graphs", "graphs",
                  digest, env={**os.environ, "PYTHONPATH": str(ROOT / "py")})
    log(f"graphs generated in {folder.relative_to(ROOT)}")


def models_table() -> dict:
    return {model.key: {
        "url": f"{MODELS_FOLDER}/{model.in_browser.file}",
        "sha256": model.in_browser.sha256,
        "size": model.in_browser.size,
        "title": model.title,
        "licence": model.licence,
        # The worker starts creating these sessions while Python boots.
        "graphs": [f"graphs/{name}" for name in graph_names(model).values()],
        # What a worker prepared ahead grows onnxruntime-web's heap to (graphs/heap.py).
        "inferenceHeap": model.inference_heap,
    } for model in MODELS.values()}


def build_info(precache: list[str], models: dict) -> dict:
    """The version, each precached file's sha256 (the service worker stores only this version's
    bytes, whatever the server holds by then) and the models table."""
    hashes = {url: sha256_of(DIST / url) for url in precache}
    digest = hashlib.sha256()
    for url, sha256 in hashes.items():
        digest.update(f"{url}\0{sha256}\n".encode())
    digest.update(json.dumps(models, sort_keys=True).encode())  # models change only with their sha256
    return {"version": digest.hexdigest()[:16], "precache": hashes, "models": models}


def headers_file() -> str:
    return "/*\n" + "".join(f"  {name}: {value}\n" for name, value in HEADERS.items())


def remove_stale(expected: set[str]) -> None:
    for path in sorted(DIST.rglob("*"), reverse=True):  # children before their folders
        relative = path.relative_to(DIST).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif relative not in expected:
            path.unlink()
            log(f"removed stale {relative}")


def build() -> dict:
    missing = [model.key for model in MODELS.values() if not is_cached(model, for_browser=True)]
    if missing:
        fetch_all(missing, log=log, for_browser=True)
    DIST.mkdir(exist_ok=True)
    files = copied_files()
    for relative, source in files.items():
        sync_file(source, DIST / relative)
    write_python_snapshot(DIST / PYTHON_SNAPSHOT)
    generate_graphs(DIST / "graphs")
    write_if_changed(DIST / "_headers", headers_file().encode())

    graphs = [path.relative_to(DIST).as_posix() for path in sorted((DIST / "graphs").iterdir())]
    produced = sorted({*files, PYTHON_SNAPSHOT, *graphs, "_headers"})
    precache = [url for url in produced if url not in NOT_PRECACHED and not url.startswith(f"{MODELS_FOLDER}/")]
    info = build_info(precache, models_table())
    write_if_changed(DIST / "build.json", (json.dumps(info, indent=2) + "\n").encode())
    remove_stale({*produced, "build.json"})
    log(f"dist/ is version {info['version']} ({len(precache)} precached files)")
    return info


if __name__ == "__main__":
    build()
