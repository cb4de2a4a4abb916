"""What the benchmarks need besides the repository, fetched once into ~/.cache/cutout/bench/.

- images: a 1024×1024 image and 12 MP / 48 MP photos (scikit-image sample photographs, scaled
  and cropped with Lanczos, JPEG quality 92);
- imgly: `@imgly/background-removal@1.4.5` and its data package, `npm pack`ed (never installed into
  the repository), the onnxruntime-web version it declares, and a one-file bundle for the browser;
- rembg: a virtual environment of its own with `rembg[cpu]` from PyPI.
"""

import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

CACHE = Path(os.environ.get("CUTOUT_BENCH_CACHE", Path.home() / ".cache" / "cutout" / "bench"))
HERE = Path(__file__).resolve().parent

IMGLY = "@imgly/background-removal@1.4.5"
IMGLY_DATA = "@imgly/background-removal-data@1.4.5"
ESBUILD = "esbuild@0.24.0"  # only bundles imgly and its CommonJS dependencies for the harness page

# name: (scikit-image sample, width, height)
IMAGES = {
    "1024x1024": ("astronaut", 1024, 1024),
    "12MP": ("chelsea", 4000, 3000),
    "48MP": ("chelsea", 8000, 6000),
}


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def images() -> dict[str, Path]:
    from PIL import Image, ImageOps
    from skimage import data

    folder = CACHE / "images"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (sample, width, height) in IMAGES.items():
        path = folder / f"{sample}-{name}.jpg"
        if not path.is_file():
            photo = Image.fromarray(getattr(data, sample)()).convert("RGB")
            ImageOps.fit(photo, (width, height), Image.LANCZOS).save(path, quality=92)
        paths[name] = path
    return paths


def _npm(*args: str, cwd: Path) -> str:
    result = subprocess.run(["npm", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout.strip()


def _pack(spec: str, folder: Path) -> Path:
    """`npm pack spec` into folder (once); returns the tarball."""
    folder.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.rpartition("@")
    tarball = folder / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not tarball.is_file():
        log(f"npm pack {spec}")
        _npm("pack", spec, "--silent", cwd=folder)
    return tarball


def _declared_ort_version() -> str:
    """The newest onnxruntime-web matching the range imgly declares (what npm install would pick)."""
    declared = json.loads(_npm("view", IMGLY, "dependencies", "--json", cwd=CACHE))["onnxruntime-web"]
    versions = json.loads(_npm("view", f"onnxruntime-web@{declared}", "version", "--json", cwd=CACHE))
    return versions[-1] if isinstance(versions, list) else versions


def imgly_site() -> tuple[Path, dict]:
    """A folder to serve: the harness page, imgly bundled for the browser, and data/ (models, wasm)."""
    site = CACHE / "imgly-site"
    info_file = site / "versions.json"
    if info_file.is_file():
        shutil.copy(HERE / "lib" / "imgly-harness.html", site / "index.html")
        return site, json.loads(info_file.read_text())

    packs = CACHE / "npm"
    ort_version = _declared_ort_version()
    imgly_tgz = _pack(IMGLY, packs)
    data_tgz = _pack(IMGLY_DATA, packs)
    ort_tgz = _pack(f"onnxruntime-web@{ort_version}", packs)

    # imgly's own small dependencies (lodash, ndarray, zod) come from the registry as it declares
    # them; onnxruntime-web from the packed tarball.
    runtime = CACHE / "imgly-runtime"
    runtime.mkdir(parents=True, exist_ok=True)
    (runtime / "package.json").write_text(json.dumps({"private": True, "dependencies": {
        "@imgly/background-removal": f"file:{imgly_tgz}",
        "onnxruntime-web": f"file:{ort_tgz}",
        "esbuild": ESBUILD.split("@")[1],
    }}))
    log("npm install (imgly's dependencies and esbuild, in the cache)")
    _npm("install", "--no-audit", "--no-fund", "--silent", cwd=runtime)
    installed = json.loads((runtime / "node_modules/onnxruntime-web/package.json").read_text())["version"]
    if installed != ort_version:
        raise RuntimeError(f"imgly got onnxruntime-web {installed}, expected {ort_version}")
    (runtime / "entry.mjs").write_text("export { removeBackground } from '@imgly/background-removal';\n")

    site.mkdir(parents=True, exist_ok=True)
    subprocess.run([runtime / "node_modules/.bin/esbuild", "entry.mjs", "--bundle", "--format=esm",
                    f"--outfile={site / 'imgly.bundle.mjs'}", "--log-level=warning"], cwd=runtime, check=True)
    log("unpacking the imgly data package")
    with tarfile.open(data_tgz) as archive:
        archive.extractall(CACHE / "imgly-data", filter="data")
    (site / "data").unlink(missing_ok=True)
    (site / "data").symlink_to(CACHE / "imgly-data" / "package" / "dist")
    shutil.copy(HERE / "lib" / "imgly-harness.html", site / "index.html")
    info = {"imgly": IMGLY, "data": IMGLY_DATA, "onnxruntime-web": ort_version}
    info_file.write_text(json.dumps(info))
    return site, info


def rembg_python() -> tuple[Path, str]:
    """The rembg virtual environment's python (made once) and rembg's version."""
    venv = CACHE / "rembg-venv"
    python = venv / "bin" / "python"
    if not (venv / ".installed").is_file():
        log("installing rembg[cpu] into its own virtual environment (once)")
        subprocess.run([sys.executable, "-m", "venv", "--clear", venv], check=True)
        subprocess.run([python, "-m", "pip", "install", "--quiet", "rembg[cpu]"], check=True)
        (venv / ".installed").touch()
    version = subprocess.run([python, "-c", "import importlib.metadata as m; print(m.version('rembg'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    return python, version
