"""`make bench`: Cutout against the field, in the browser and natively; writes
reports/benchmarks.json and regenerates docs/benchmarks.md (issue #7, memory parts of #5).

    PYTHONPATH=py .venv/bin/python scripts/bench.py [--runs N] [--series N] [--only SECTION,...]

Sections: browser_speed (Cutout wasm-mt/wasm-st vs @imgly/background-removal 1.4.5, cold and
warm, alternating runs), webgpu (SwiftShader, Fast model: a functional note), native_speed
(`cutout remove` vs rembg, same u2netp.onnx), browser_memory and cli_memory (12 MP and 48 MP
= 8000×6000 JPEG), job_series (N Fast jobs, memory first vs last), first_load (bytes by asset
group, fresh profile), and every scripts/bench/<name>.mjs written by others, run as
`node scripts/bench/<name>.mjs <app-url>` (last stdout line: one JSON object). A failing
section is recorded in the report and the command exits 1; the others still run.

Everything it fetches (imgly and its data package, rembg in its own venv, the images) goes to
~/.cache/cutout/bench, never into the repository. Run it on a quiet machine: the report records
the load average before and after and says when the figures were taken under load.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "scripts" / "bench"
sys.path.insert(0, str(BENCH))
import bench_assets  # noqa: E402
import bench_report  # noqa: E402
import bench_servers  # noqa: E402

DIST = ROOT / "dist"
BROWSER = BENCH / "lib" / "browser.mjs"
PLUGIN_TIMEOUT_S = 1800
# Cutout's wasm-mt thread count (web/backends.js threadsFor): the cores, at most 8. imgly gets the same.
THREADS = min(os.cpu_count() or 1, 8)
# ASSET_GROUPS: first-load groups, by path prefixes under dist/ (the rest is the app shell). py/ holds
# the Python snapshot: Pyodide's memory with the package imported.
ASSET_GROUPS = [("Pyodide", ("/vendor/pyodide/", "/py/")), ("ORT", "/vendor/ort/"), ("graphs", "/graphs/"), ("model", "/models/")]
GROUP_NAMES = ["app shell"] + [name for name, _ in ASSET_GROUPS]


def log(message: str) -> None:
    bench_assets.log(message)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory_kib = int(Path("/proc/meminfo").read_text().split()[1])
    chromium = subprocess.run(["/usr/bin/chromium", "--version"], capture_output=True, text=True).stdout.strip()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": memory_kib / 2**20, "chromium": chromium,
            "node": node, "python": platform.python_version(), "load_before": list(os.getloadavg())}


def browser(task: dict) -> dict:
    """Runs one task of scripts/bench/lib/browser.mjs; its progress goes to our stderr."""
    result = subprocess.run(["node", BROWSER, json.dumps(task)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise RuntimeError(f"browser task {task['task']} exited {result.returncode}")
    return json.loads(lines[-1])


def image_url(path: Path) -> str:
    return bench_servers.IMAGES_PREFIX + path.name


# --- sections --------------------------------------------------------------------------------

def browser_speed(ctx) -> dict:
    site, versions = bench_assets.imgly_site()
    imgly = bench_servers.imgly_origin(site, ctx.images_dir)
    try:
        variants = [
            {"name": "cutout wasm-mt", "app": "cutout", "model": "best", "backend": "wasm-mt"},
            {"name": "imgly", "app": "imgly"},
            {"name": "cutout wasm-st", "app": "cutout", "model": "best", "backend": "wasm-st"},
        ]
        names = ["1024x1024", "12MP"]
        raw = browser({"task": "speed", "appUrl": ctx.app.url, "imglyUrl": imgly.url, "threads": THREADS,
                       "runs": ctx.args.runs, "variants": variants,
                       "images": [{"name": name, "url": image_url(ctx.images[name])} for name in names]})
    finally:
        imgly.stop()
    summary = bench_report.summarize_speed(raw["results"])
    warm_ratio = summary["1024x1024"]["ratios"]["cutout wasm-mt / imgly"]["warm"]["median"]
    warm_ratio_12 = summary["12MP"]["ratios"]["cutout wasm-mt / imgly"]["warm"]["median"]
    post = bench_report.post_processing_share(summary["12MP"]["variants"]["cutout wasm-mt"]["stages"]["warm"])
    return {
        "method": (f"Best model (ISNet fp16) on both sides, {THREADS} WASM threads each, both origins on 127.0.0.1 "
                   f"with COOP/COEP. {ctx.args.runs} runs per image alternating cutout wasm-mt → imgly → cutout wasm-st; "
                   "each run opens a new page: cold = its first job (assets already in the browser's caches, worker "
                   "start and model load included), warm = its second job: imgly keeps its session; Cutout runs "
                   "each job in a fresh worker by design, and takes the one the app prepares while idle between "
                   "drops (Python booted, sessions created, ONNX Runtime's heap grown; the clock starts once it is ready); every "
                   "worker instantiates Pyodide and ONNX Runtime from the modules the page compiled once. Time from the call "
                   "to the PNG, image bytes already in memory. Cutout filters the PNG's rows (Up) and deflates them "
                   "in a worker beside the job where ONNX Runtime's threads leave a core free (here wasm-st; the "
                   "browser's CompressionStream, zlib level 6), otherwise in the job worker (Python's zlib, level 1): "
                   "`deflatedBeside` in each result, and the PNG column. A wasm-mt job composes its tiles in one "
                   "graph helper per thread (single-threaded ONNX Runtime each, side by side): `graphHelpers`."),
        "imgly": {**versions, "threads": THREADS, "config": {"model": "medium", "proxyToWorker": True}},
        "results": raw["results"],
        "summary": summary,
        "post_processing_12MP_warm": post,
        "goals": {
            "warm 1024² cutout wasm-mt / imgly (median)": {"value": warm_ratio, "target": "≤ 0.8", "met": warm_ratio <= 0.8},
            "warm 12 MP cutout wasm-mt / imgly (median)": {"value": warm_ratio_12, "target": "≤ 0.8", "met": warm_ratio_12 <= 0.8},
            "post-processing (mask + compose + encode) / inference, 12 MP warm": {
                "value": post["share"], "target": "≤ 0.15", "met": post["share"] is not None and post["share"] <= 0.15,
                "note": bench_report.check_note(post)},
        },
    }


def webgpu(ctx) -> dict:
    return browser({"task": "webgpu", "appUrl": ctx.app.url, "model": "fast", "backend": "webgpu",
                    "image": {"name": "1024x1024", "url": image_url(ctx.images["1024x1024"])}})


def _timed_process(command: list, **kwargs) -> tuple[float, int]:
    """Wall seconds and peak RSS (bytes) of one child process, which must succeed."""
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    stderr = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(map(str, command[:4]))}… failed: {stderr[-2000:]}")
    return seconds, usage.ru_maxrss * 1024


def _cutout_command(inputs: list[Path], outdir: Path, model: str) -> list:
    return [sys.executable, "-m", "cutout.cli", "remove", *inputs, "-o", outdir, "--model", model, "-q"]


def native_speed(ctx) -> dict:
    python, rembg_version = bench_assets.rembg_python()
    from cutout import vendor

    model = vendor.models_dir() / "u2netp.onnx"
    batch = ctx.args.native_batch
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ("1024x1024", "12MP"):
            inputs = []
            for index in range(batch):  # distinct names: one output file each
                copy = tmp / f"{name}-{index}.jpg"
                shutil.copy(ctx.images[name], copy)
                inputs.append(copy)
            # Run 0 is a warm-up, not counted: what either tool does once after installing (compiling
            # bytecode, rembg's numba kernels, Cutout's generated graphs) made rembg's first run 13× slower.
            for run in range(0, ctx.args.runs + 1):
                for tool in ("cutout", "rembg"):
                    outdir = tmp / f"out-{tool}"
                    outdir.mkdir(exist_ok=True)
                    command = (_cutout_command(inputs, outdir, "fast") if tool == "cutout"
                               else [python, BENCH / "rembg_batch.py", model, outdir, *inputs])
                    seconds, _ = _timed_process(command, env={**os.environ, "PYTHONPATH": str(ROOT / "py")})
                    if run:
                        rows.append({"image": name, "run": run, "tool": tool, "images": batch, "seconds": seconds})
                    log(f"native {name} {f'run {run}' if run else 'warm-up'} {tool}: {batch / seconds:.2f} images/s")
    summary = {}
    for name in ("1024x1024", "12MP"):
        runs = defaultdict(dict)
        for row in rows:
            if row["image"] == name:
                runs[row["run"]][row["tool"]] = row["images"] / row["seconds"]
        summary[name] = {
            "cutout_images_per_s": bench_report.spread([run["cutout"] for run in runs.values()]),
            "rembg_images_per_s": bench_report.spread([run["rembg"] for run in runs.values()]),
            "throughput_ratio": bench_report.spread([run["cutout"] / run["rembg"] for run in runs.values()]),
        }
    ratios = {name: entry["throughput_ratio"]["median"] for name, entry in summary.items()}
    return {
        "method": (f"Fast model: the same u2netp.onnx ({model.name}) on both sides, rembg through "
                   "`new_session('u2net_custom', model_path=…)`. Each run is one process per tool over "
                   f"{batch} copies of the image (start-up and model load included), alternating, after one "
                   "uncounted warm-up run of each; throughput "
                   "= images ÷ wall time. Cutout also decontaminates edge colours (its default); rembg's "
                   "`remove` only applies the mask."),
        "rembg": rembg_version,
        "runs": rows,
        "summary": summary,
        "goals": {f"throughput cutout ÷ rembg, {name} (median)": {"value": ratio, "target": "≥ 1.0", "met": ratio >= 1.0}
                  for name, ratio in ratios.items()},
    }


def browser_memory(ctx) -> dict:
    return browser({"task": "memory", "appUrl": ctx.app.url, "model": "best", "backend": "wasm-mt",
                    "warmupImage": {"name": "1024x1024", "url": image_url(ctx.images["1024x1024"])},
                    "images": [{"name": name, "url": image_url(ctx.images[name])} for name in ("12MP", "48MP")]})


def cli_memory(ctx) -> dict:
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("12MP", "48MP"):
            for model in ("fast", "best"):
                seconds, peak = _timed_process(_cutout_command([ctx.images[name]], Path(tmp), model),
                                               env={**os.environ, "PYTHONPATH": str(ROOT / "py")})
                results.append({"image": name, "model": model, "seconds": seconds, "peak_rss": peak})
                log(f"cli memory {name} {model}: peak RSS {peak / 2**20:.0f} MiB")
    return {"results": results}


def job_series(ctx) -> dict:
    return browser({"task": "series", "appUrl": ctx.app.url, "model": "fast", "backend": "wasm-mt",
                    "count": ctx.args.series, "image": {"name": "1024x1024", "url": image_url(ctx.images["1024x1024"])}})


def _group(path: str) -> str:
    return next((name for name, prefix in ASSET_GROUPS if path.startswith(prefix)), "app shell")


def first_load(ctx) -> dict:
    models = {}
    for model in ("fast", "best"):
        ctx.app.reset()
        job = browser({"task": "firstload", "appUrl": ctx.app.url, "model": model, "backend": "wasm-mt",
                       "image": {"name": "1024x1024", "url": image_url(ctx.images["1024x1024"])}})
        sent = [(path, size, at) for path, size, at in ctx.app.sent() if not path.startswith(bench_servers.IMAGES_PREFIX)]
        before = [(path, size) for path, size, at in sent if at <= job["cutoutAt"]]
        by_group = defaultdict(int)
        for path, size in before:
            by_group[_group(path)] += size
        models[model] = {"bytes": dict(by_group), "requests": len(before), "seconds": job["seconds"],
                         "files": sorted(before, key=lambda item: -item[1]),
                         "until_offline": {"bytes": sum(size for _, size, _ in sent), "requests": len(sent),
                                           "seconds": job["offlineSeconds"]}}
    return {
        "method": ("A fresh browser profile opens the app and makes one cutout through the page (model choice, "
                   "file input; 1024² image, wasm-mt); the server counts the response bodies it sent to the page, "
                   "its workers and the service worker until the result arrives, and until the page says "
                   "\"Works offline\" (the service worker stores the app's other files once the app is idle). "
                   "Groups by path: vendor/pyodide and py/ (the Python snapshot) = Pyodide, vendor/ort = ORT, "
                   "graphs/, models/, the rest = app shell."),
        "groups": GROUP_NAMES,
        "models": models,
    }


def plugins(ctx) -> dict:
    found = {}
    for script in sorted(BENCH.glob("*.mjs")):
        log(f"running {script.relative_to(ROOT)}")
        try:
            result = subprocess.run(["node", script, ctx.app.url], cwd=ROOT, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, timeout=PLUGIN_TIMEOUT_S)
            lines = result.stdout.strip().splitlines()
            if result.returncode != 0 or not lines:
                raise RuntimeError(f"exited {result.returncode}: {result.stderr.strip()[-2000:]}")
            found[script.stem] = {"result": json.loads(lines[-1])}
        except Exception as error:  # recorded, never skipped silently
            found[script.stem] = {"error": f"{type(error).__name__}: {error}"}
            ctx.failures.append(f"plugin {script.name}")
    return {"scripts": found}


SECTIONS = {
    "browser_speed": browser_speed,
    "webgpu": webgpu,
    "native_speed": native_speed,
    "browser_memory": browser_memory,
    "cli_memory": cli_memory,
    "job_series": job_series,
    "first_load": first_load,
    "plugins": plugins,
}


class Context:
    def __init__(self, args, images, app):
        self.args, self.images, self.app = args, images, app
        self.images_dir = next(iter(images.values())).parent
        self.failures = []


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="alternating runs per comparison (default 3)")
    parser.add_argument("--series", type=int, default=30, help="jobs in the memory series (default 30)")
    parser.add_argument("--native-batch", type=int, default=3, help="images per native process (default 3)")
    parser.add_argument("--only", help=f"comma-separated sections of: {', '.join(SECTIONS)}")
    parser.add_argument("--port", type=int, default=0, help="port of the app's server (default: any free one)")
    parser.add_argument("--json", type=Path, default=ROOT / "reports" / "benchmarks.json")
    parser.add_argument("--markdown", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--note", help="a remark about this run, kept in the report (e.g. what else ran)")
    parser.add_argument("--markdown-only", action="store_true", help="only regenerate --markdown from --json")
    args = parser.parse_args(argv)
    if args.markdown_only:
        args.markdown.write_text(bench_report.markdown(json.loads(args.json.read_text())))
        return 0
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    if unknown := set(chosen) - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    if not (DIST / "build.json").is_file():
        parser.error("dist/ is missing: run `make build` first (make bench does)")

    report = {"generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": machine(), "sections": {}, "note": args.note}
    if args.only and args.json.is_file():  # a partial run updates its sections of the last report
        last = json.loads(args.json.read_text())
        report["sections"] = last["sections"]
        report["note"] = args.note or last.get("note")
    images = bench_assets.images()
    app = bench_servers.app_origin(DIST, next(iter(images.values())).parent, args.port)
    ctx = Context(args, images, app)
    log(f"app at {app.url}; load average {report['machine']['load_before'][0]:.2f}")
    try:
        for name in chosen:
            log(f"section {name}")
            started, load_before = time.perf_counter(), os.getloadavg()[0]
            try:
                section = SECTIONS[name](ctx)
            except Exception as error:
                traceback.print_exc()
                section = {"error": f"{type(error).__name__}: {error}"}
            section["run"] = {"seconds": time.perf_counter() - started, "load_before": load_before,
                              "load_after": os.getloadavg()[0]}
            report["sections"][name] = section
            log(f"section {name} took {section['run']['seconds']:.0f} s")
            save(report, args, ctx)  # a long run keeps what it has measured if stopped later
    finally:
        app.stop()
    log(f"wrote {args.json} and {args.markdown}" + (f"; failed: {', '.join(report['failures'])}" if report["failures"] else ""))
    return 1 if report["failures"] else 0


# The benchmark keeps every core busy itself (WASM threads, Chromium's processes), so a 1-minute
# load up to about the core count is its own; well above that, other work shared the cores.
UNDER_LOAD_PER_CORE = 1.5


def shared_the_cores(loads: list[float]) -> bool:
    return max(loads) > (os.cpu_count() or 1) * UNDER_LOAD_PER_CORE


def save(report: dict, args, ctx) -> None:
    """Writes the JSON report and the markdown made from it."""
    report["machine"]["load_after"] = list(os.getloadavg())
    loads = [value for section in report["sections"].values() for value in
             (section["run"]["load_before"], section["run"]["load_after"])]
    report["machine"]["load_range"] = [min(loads), max(loads)]
    report["machine"]["under_load"] = shared_the_cores(loads)
    failed = [name for name, section in report["sections"].items() if "error" in section]
    report["failures"] = list(dict.fromkeys(failed + ctx.failures))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    args.markdown.write_text(bench_report.markdown(report))


if __name__ == "__main__":
    sys.exit(main())
