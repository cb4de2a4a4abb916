"""The pipeline's surroundings in the browser: Pyodide only, imported by web/worker/worker.js.

`BridgeRuntime` and `BridgeDecoder` implement the `cutout.runtime` protocols by awaiting the
functions of the JavaScript module `cutout_bridge` (web/worker/bridge.js): onnxruntime-web
sessions and the browser's image decoders. Buffers go to JavaScript as proxies that it reads
in place; results come back as bytes, copied once.
"""

from collections import deque

from pyodide.ffi import JsException, to_js

from .batch import BatchItem, zip_results
from .errors import CutoutError
from .export import export_cutout
from .image import RGBAImage
from .job import JobOptions, run_job
from .models import MODELS
from .sniff import ImageType
from .tensor import Tensor

ERRORS_BY_CODE = {error.code: error for error in CutoutError.__subclasses__()}
# The pipeline names a network by the file the CLI runs; the browser runs its own copy of it.
BROWSER_FILES = {model.file: model.in_browser.file for model in MODELS.values()}


async def _call(function, *args):
    """Await a bridge function; a JavaScript error with a cutout.errors `code` becomes that CutoutError."""
    return await _settled(function(*args))


async def _settled(promise):
    """Await a bridge function's promise, as `_call` does."""
    try:
        return await promise
    except JsException as error:
        kind = ERRORS_BY_CODE.get(getattr(error, "code", None))
        if kind is None:
            raise
        raise kind(error.message) from None


def _image(picture) -> RGBAImage:
    return RGBAImage(picture.width, picture.height, picture.pixels.to_bytes())


class BridgeRuntime:
    def __init__(self, bridge):
        self._bridge = bridge

    async def run(self, graph: str, feeds: dict[str, Tensor], outputs: list[str]) -> dict[str, Tensor]:
        return _tensors(outputs, await _call(self._bridge.run, *_arguments(graph, feeds, outputs)))

    async def run_each(self, graph: str, feeds, outputs: list[str]):
        """Where the bridge runs `graph` on graph helpers, up to two runs per helper are started
        before a result is awaited, so that none waits for the job worker to hand it the next (the
        feeds are copied when a run starts); the results still come in order."""
        helpers = self._bridge.spreadsFor(BROWSER_FILES.get(graph, graph))
        if not helpers:
            for feed in feeds:
                yield await self.run(graph, feed, outputs)
            return
        started = deque()
        for feed in feeds:
            started.append(self._bridge.spread(*_arguments(graph, feed, outputs)))
            if len(started) > 2 * helpers:
                yield _tensors(outputs, await _settled(started.popleft()))
        while started:
            yield _tensors(outputs, await _settled(started.popleft()))


def _arguments(graph: str, feeds: dict[str, Tensor], outputs: list[str]) -> list:
    """A bridge run's arguments: file, [[name, dtype, dims]…], output names, then one buffer per feed."""
    specs = to_js([[name, tensor.dtype, list(tensor.shape)] for name, tensor in feeds.items()])
    return [BROWSER_FILES.get(graph, graph), specs, to_js(outputs), *(tensor.data for tensor in feeds.values())]


def _tensors(outputs: list[str], results) -> dict[str, Tensor]:
    return {name: Tensor(result.dtype, tuple(result.dims), result.data.to_bytes())
            for name, result in zip(outputs, results)}


class BridgeDeflater:
    """A `cutout.runtime.Deflater` in a worker beside the job's (web/worker/deflate.js)."""

    def __init__(self, bridge):
        # Started with the job, so that its worker is up before the first tile is composed.
        self._stream = bridge.deflater()

    def write(self, data: bytes) -> None:
        self._stream.write(data)

    async def finish(self) -> bytes:
        return (await _call(self._stream.finish)).to_bytes()


class BridgeEncoder:
    def __init__(self, bridge):
        self._bridge = bridge

    async def encode(self, image: RGBAImage, image_type: ImageType, quality: int) -> bytes:
        encoded = await _call(self._bridge.encode, image.data, image_type.mime, image.width, image.height, quality)
        return encoded.to_bytes()


class BridgeDecoder:
    def __init__(self, bridge):
        self._bridge = bridge

    async def decode(self, data: bytes, image_type: ImageType) -> RGBAImage:
        return _image(await _call(self._bridge.decode, data, image_type.mime, image_type.label))

    async def resize(self, image: RGBAImage, width: int, height: int) -> RGBAImage:
        return _image(await _call(self._bridge.resize, image.data, image.width, image.height, width, height))


async def run(data, options):
    """The worker's entry: `data` a Uint8Array of the file, `options` {model, background: [r, g, b, a],
    decontaminate, fail} (`fail`: a test-only switch, see docs/web-contract.md).

    Returns a JavaScript object: {png, source, mask, pixels, width, height, notices, timings} (the
    buffers as Uint8Arrays), or {error: {code, message}} for a failure the user can act on. Events
    go to `cutout_bridge.report`.
    """
    import cutout_bridge

    settings = options.to_py()
    job_options = JobOptions(model=settings["model"], background=tuple(settings["background"]),
                             decontaminate=bool(settings.get("decontaminate", True)), fail=settings.get("fail") or "")
    try:
        result = await run_job(data.to_bytes(), runtime=BridgeRuntime(cutout_bridge), decoder=BridgeDecoder(cutout_bridge),
                               options=job_options, report=lambda event: cutout_bridge.report(to_js({"type": "state", **event})),
                               deflater=BridgeDeflater(cutout_bridge) if cutout_bridge.deflatesBeside else None)
    except CutoutError as error:
        return to_js({"error": {"code": error.code, "message": error.message}})
    return to_js({"png": result.png, "source": result.source.data, "mask": result.mask, "pixels": result.cutout.data,
                  "width": result.width, "height": result.height, "notices": result.notices, "timings": result.timings})


async def export(pixels, picture, options):
    """The export worker's entry: `pixels` a Uint8Array of the cutout (straight RGBA), `picture` the
    bytes of a background picture or None, `options` {width, height, format, quality, colour, fail}
    (`colour` [r, g, b, a] or None; `fail` the test-only switch, as in `run`).

    Returns a JavaScript object: {data: Uint8Array, mime, extension, notices}, or {error: {code, message}}.
    """
    import cutout_bridge

    settings = options.to_py()
    cutout = RGBAImage(settings["width"], settings["height"], pixels.to_bytes())
    background = None
    if picture is not None:
        background = picture.to_bytes()
    elif settings.get("colour") is not None:
        background = tuple(settings["colour"])
    try:
        exported = await export_cutout(cutout, format=settings["format"], quality=int(settings["quality"]),
                                       background=background, runtime=BridgeRuntime(cutout_bridge),
                                       decoder=BridgeDecoder(cutout_bridge), encoder=BridgeEncoder(cutout_bridge),
                                       fault=settings.get("fail") or "")
    except CutoutError as error:
        return to_js({"error": {"code": error.code, "message": error.message}})
    return to_js({"data": exported.data, "mime": exported.mime, "extension": exported.extension,
                  "notices": exported.notices})


def zip_batch(entries, extension):
    """The "Download all" ZIP (cutout.batch.zip_results). `entries` a JavaScript array of
    {name, data: Uint8Array, error: string}: the original file name, and the encoded cutout or, when
    `error` is not empty, why that file failed. Returns the ZIP as a Uint8Array.

    Not called `zip`: a module-level `zip` would shadow the builtin that BridgeRuntime.run uses.
    """
    items = [BatchItem(entry.name, error=entry.error) if entry.error else BatchItem(entry.name, entry.data.to_bytes())
             for entry in entries]
    return to_js(zip_results(items, extension))
