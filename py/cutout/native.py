"""The native surroundings of the pipeline: onnxruntime sessions and Pillow decoding.

The generated graphs come from the same builders that write the browser's graph files, so the
CLI and the web app run identical graphs. They are built once per version of the package's
sources and kept as files (`generated_graph`): importing onnx to build them took 0.7 s of every
process, a fifth of a three-picture batch at 1024².
"""

import asyncio
import ctypes
import functools
import hashlib
import os
import platform
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from .errors import ModelUnavailable
from .models import MODELS
from .tensor import Tensor
from .vendor import graphs_dir, is_cached, models_dir

MODEL_FILES = {model.file: model for model in MODELS.values()}
# Runs with bigger feeds go one at a time: a run's working memory is many times its feeds, and two
# bands of a 48 MP photo (18 MP each with their context rows) at once took about 1 GB more.
PARALLEL_FEED_BYTES = 64 * 2**20
# glibc's mallopt parameters (malloc.h).
M_TOP_PAD, M_MMAP_THRESHOLD, M_ARENA_MAX = -2, -3, -8


def keep_big_buffers_in_the_heap() -> None:
    """Let glibc serve big buffers from one heap, for a process that cuts out many pictures.

    By default glibc maps each buffer over 32 MB afresh and unmaps it when freed, and threads (the
    parallel compose bands) get heaps of their own, which map anything over 64 MB: so every picture
    page-faulted its big buffers in again, and the kernel's time was a third of a 12 MP batch here.
    From one heap, a freed buffer is reused by the next stage, band and picture: a batch of four
    12 MP photos took 10–11 s against 13–14.5 s, and its peak RSS fell from 2.1 to 1.4 GB.
    Process-wide, so only the CLI calls it; other C libraries (macOS, musl) are left alone.
    """
    if platform.libc_ver()[0] != "glibc":
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(M_MMAP_THRESHOLD, 1 << 30)
    libc.mallopt(M_ARENA_MAX, 1)
    libc.mallopt(M_TOP_PAD, 64 << 20)  # spare room at the heap's top, not given back at each free


PACKAGE = Path(__file__).resolve().parent


def package_sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def sources_digest() -> str:
    """Names the graphs the package's sources build: any source (and onnx's version) changing changes it."""
    digest = hashlib.sha256(metadata.version("onnx").encode() + b"\n")
    for path in package_sources():
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _graphs_version() -> str:
    """This process's sources' digest, read once: every session of a run asks for it."""
    return sources_digest()[:16]


def generated_graph(name: str) -> str | bytes:
    """The generated graph `name`: the path of its file in the cache of these sources' graphs,
    written on first use (each file atomically, so processes starting together never read half a
    file); its bytes where the cache cannot be written."""
    folder = graphs_dir() / _graphs_version()
    if (folder / name).is_file():
        return str(folder / name)
    from .graphs import build_all, serialise

    graphs = build_all()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, graph in graphs.items():
            partial = folder / f".{file_name}.{os.getpid()}"
            partial.write_bytes(serialise(graph))
            partial.replace(folder / file_name)
    except OSError:
        return serialise(graphs[name])
    return str(folder / name)


class NativeRuntime:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or models_dir()
        self.cores = os.cpu_count() or 1
        self._sessions = {}

    def _session(self, name: str, threads: int = 0):
        """The session of `name`; `threads` 0 lets onnxruntime use every core for each run."""
        if (name, threads) not in self._sessions:
            import onnxruntime

            if name in MODEL_FILES:
                model = MODEL_FILES[name]
                if not is_cached(model, self.folder):
                    raise ModelUnavailable(f"the {model.title} model is not downloaded: run `cutout models fetch {model.key}`")
                source = str(self.folder / name)
            else:
                source = generated_graph(name)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            # Without per-session arenas, the sessions share freed memory through malloc: each arena
            # kept its own peak for good, and a 12 MP photo's peak RSS was twice as high.
            options.enable_cpu_mem_arena = False
            self._sessions[name, threads] = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        return self._sessions[name, threads]

    async def run(self, graph: str, feeds: dict[str, Tensor], outputs: list[str]) -> dict[str, Tensor]:
        return _run(self._session(graph), feeds, outputs)

    async def run_each(self, graph: str, feeds, outputs: list[str]):
        """One run per core at a time, each on a single thread: much of a compose run is
        operators that use one thread anyway, so on two cores a 12 MP photo's bands took about
        2.0 s this way against 2.7 s one band at a time on both threads."""
        feeds = list(feeds)
        largest = max((sum(tensor.nbytes for tensor in feed.values()) for feed in feeds), default=0)
        if len(feeds) < 2 or self.cores < 2 or largest > PARALLEL_FEED_BYTES:
            for feed in feeds:
                yield await self.run(graph, feed, outputs)
            return
        session = self._session(graph, threads=1)
        with ThreadPoolExecutor(self.cores) as pool:
            for result in [pool.submit(_run, session, feed, outputs) for feed in feeds]:
                yield await asyncio.wrap_future(result)


def _run(session, feeds: dict[str, Tensor], outputs: list[str]) -> dict[str, Tensor]:
    import numpy

    arrays = {name: numpy.frombuffer(t.data, dtype=t.dtype).reshape(t.shape) for name, t in feeds.items()}
    results = session.run(outputs, arrays)
    return {name: Tensor(str(array.dtype), tuple(array.shape), numpy.ascontiguousarray(array).tobytes())
            for name, array in zip(outputs, results)}


class PillowEncoder:
    """The Encoder of runtime.py for native runs: JPEG and WebP through Pillow, straight RGBA in."""

    async def encode(self, image, image_type, quality: int) -> bytes:
        import asyncio

        return await asyncio.to_thread(_encode_with_pillow, image, image_type, quality)


def _encode_with_pillow(image, image_type, quality: int) -> bytes:
    import io

    from PIL import Image

    picture = Image.frombytes("RGBA", (image.width, image.height), bytes(image.data))
    out = io.BytesIO()
    if image_type.key == "jpeg":
        picture.convert("RGB").save(out, "JPEG", quality=quality)
    else:
        # exact: keep the colour under transparent pixels, as Cutout's PNGs do (straight alpha).
        picture.save(out, "WEBP", quality=quality, alpha_quality=100, exact=True)
    return out.getvalue()
