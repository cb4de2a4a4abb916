"""One cutout job, top to bottom, and the state machine every job kind shares.

bytes → sniff → limits → decode → sizing → pre graph → network → mask graph → compose graph
→ encode → verify. The surroundings (ONNX Runtime, image decoders, a deflater) come in through the
`Runtime`, `Decoder` and `Deflater` protocols, so the browser worker and the CLI run this same code.
Encoding starts inside compose: each tile goes to the PNG's deflater as soon as it is composed.
"""

import struct
import time
from dataclasses import dataclass, field

from . import edges, limits, sizing, sniff
from .encode import PngWriter, ZlibDeflater, checked_png
from .errors import CutoutError
from .image import RGBAImage
from .models import get_model, graph_names
from .runtime import Decoder, Deflater, Runtime
from .tensor import Tensor, int64_vector

# queued → preparing → inferring → refining → encoding → done, and failed/cancelled from any
# unfinished state. The page owns "queued" and "cancelled" (it terminates the worker).
TRANSITIONS = {
    "queued": {"preparing", "failed", "cancelled"},
    "preparing": {"inferring", "failed", "cancelled"},
    "inferring": {"refining", "failed", "cancelled"},
    "refining": {"encoding", "failed", "cancelled"},
    "encoding": {"done", "failed", "cancelled"},
    "done": set(),
    "failed": set(),
    "cancelled": set(),
}
STATES = tuple(TRANSITIONS)

# Edge estimation reduces the picture to block means in bands of about this many pixels: small
# bands keep the graphs' intermediates small, and each band reuses the memory the one before took
# (a fresh worker's heap grows slowly: a 12 MP photo in one band composed over twice as slowly).
BAND_PIXELS = 2_000_000
# Compose then finishes the picture in tiles of rows of about this many pixels, which need no
# context rows (the whole picture's maps are given): small enough that a tile's intermediates stay
# in the processor's caches, large enough that the cost of a graph run stays small. 12 MP of
# compose-tile runs in headless Chromium (2 threads): 1.29–1.43 s in tiles of 128–250 k pixels,
# 1.37–2.70 s in tiles of 500 k; the app's compose stage, 1.84–2.12 s against 1.85–2.20 s. On one
# thread, as the browser's graph helpers run them, tiles of 16 and of 62 rows of 12 MP took the same (Node).
TILE_PIXELS = 250_000
TRANSPARENT = (0, 0, 0, 0)


@dataclass(frozen=True)
class JobOptions:
    model: str = "fast"
    background: tuple[int, int, int, int] = TRANSPARENT
    # Replace the old background's colour in soft edges by the estimated subject colour.
    decontaminate: bool = True
    # A test-only fault switch, `?fail=` of the web app (docs/web-contract.md); "" in normal use.
    fail: str = ""


@dataclass
class JobResult:
    png: bytes
    width: int
    height: int
    notices: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    # What a hand edit starts from, so that it never re-runs the network: the decoded source
    # (RGBA, straight), the mask (float32 0..1, one per pixel) and the cutout's own pixels.
    source: RGBAImage | None = None
    mask: bytes = b""
    cutout: RGBAImage | None = None


class JobState:
    """Tracks the state, refuses impossible transitions, and reports every change."""

    def __init__(self, report):
        self.state = "queued"
        self._report = report

    def enter(self, state: str, **detail) -> None:
        if state not in TRANSITIONS[self.state]:
            raise RuntimeError(f"job cannot go from {self.state} to {state}")
        self.state = state
        self._report({"state": state, **detail})

    def stage(self, name: str, **detail) -> None:
        """A named step inside the current state, so progress never looks frozen."""
        self._report({"state": self.state, "stage": name, **detail})


class _Stopwatch:
    def __init__(self):
        self.timings: dict[str, float] = {}

    def __call__(self, name: str):
        watch = self

        class _Lap:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                watch.timings[name] = round(time.perf_counter() - self.start, 4)

        return _Lap()

    def move(self, seconds: float, source: str, target: str) -> None:
        """Counts `seconds` of lap `source` as lap `target`'s (work that ran inside the other)."""
        self.timings[source] = round(self.timings[source] - seconds, 4)
        self.timings[target] = round(self.timings[target] + seconds, 4)


def parse_background(text: str) -> tuple[int, int, int, int]:
    """"transparent" or "#RRGGBB" → RGBA; anything else is a clear error."""
    if text == "transparent":
        return TRANSPARENT
    digits = text[1:] if text.startswith("#") else ""
    if len(digits) != 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(f"background must be 'transparent' or a colour like #RRGGBB, not {text!r}")
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), 255)


def _row_runs(height: int, rows_per_run: int):
    """(first row, row count) of each run of rows."""
    return ((top, min(rows_per_run, height - top)) for top in range(0, height, rows_per_run))


async def _compose(runtime: Runtime, graphs: dict[str, str], image: RGBAImage, alpha: Tensor,
                   options: JobOptions, png: PngWriter) -> RGBAImage:
    """Block means band by band → the whole picture's edge maps → the cutout tile by tile, each
    tile handed to `png` as it comes."""
    width, height = image.width, image.height
    block = edges.block_size(width, height)
    pixels, mask = memoryview(image.data).cast("B"), memoryview(alpha.data).cast("B")

    def rows_of(top: int, rows: int) -> dict[str, Tensor]:
        span = slice(top * width * 4, (top + rows) * width * 4)  # float32 alpha: also 4 bytes a pixel
        return {"rgba": Tensor("uint8", (rows, width, 4), pixels[span]),
                "alpha": Tensor("float32", (rows, width), mask[span])}

    block_feed = {"block": int64_vector([block])}
    block_feeds = ({**rows_of(top, rows), **block_feed}
                   for top, rows in _row_runs(height, max(block, BAND_PIXELS // width // block * block)))
    low = bytearray()
    async for out in runtime.run_each(graphs["blocks"], block_feeds, ["low"]):
        low += memoryview(out["low"].data).cast("B")
    map_rows, map_columns = -(-height // block), -(-width // block)
    maps = (await runtime.run(graphs["estimate"], {
        "low": Tensor("float32", (map_rows, map_columns, 4), low),
        "radii": int64_vector(edges.blur_radii(width, height))}, ["maps"]))["maps"]
    map_bytes = memoryview(maps.data).cast("B")
    map_row_bytes = edges.MAP_COUNT * map_columns * 4
    tile_settings = {**block_feed, "background": Tensor("uint8", (4,), bytes(options.background)),
                     "decontamination": Tensor("float32", (), struct.pack("<f", 1.0 if options.decontaminate else 0.0))}

    def tile_feeds():
        for top, rows in _row_runs(height, max(1, TILE_PIXELS // width)):
            # Each tile but the first composes the row above it again, to filter its first row against.
            context = 1 if top else 0
            first, end = edges.map_rows(top - context, rows + context, block, map_rows)
            yield {**rows_of(top - context, rows + context), **tile_settings,
                   "maps": Tensor("float32", (end - first, edges.MAP_COUNT, map_columns),
                                  map_bytes[first * map_row_bytes:end * map_row_bytes]),
                   "top": int64_vector([top - context - first * block]), "context": int64_vector([context])}

    # Allocated once and filled in place: growing it tile by tile reallocated and copied it as it grew.
    composed = bytearray(len(image.data))
    filled = 0
    async for out in runtime.run_each(graphs["compose-tile"], tile_feeds(), ["rgba_out", "scanlines"]):
        tile = memoryview(out["rgba_out"].data).cast("B")
        composed[filled:filled + len(tile)] = tile
        filled += len(tile)
        png.add_scanlines(tile, out["scanlines"].data)
    return RGBAImage(width, height, composed)


async def run_job(data: bytes, *, runtime: Runtime, decoder: Decoder, options: JobOptions = JobOptions(),
                  report=lambda event: None, deflater: Deflater | None = None) -> JobResult:
    """`deflater` deflates the PNG's rows (a `ZlibDeflater` unless given)."""
    job = JobState(report)
    watch = _Stopwatch()
    notices: list[str] = []
    model = get_model(options.model)
    graphs = graph_names(model)
    try:
        job.enter("preparing", stage="checking file")
        with watch("sniff+limits"):
            image_type = sniff.sniff(data)
            header = limits.read_header(data, image_type)
            limits.check(header)
        if header.animated:
            notices.append(f"this {image_type.label} is animated: only its first frame was cut out")

        job.stage("decoding", format=image_type.label, width=header.width, height=header.height)
        with watch("decode"):
            image = await decoder.decode(data, image_type)
        plan = sizing.plan(image.width, image.height, model)  # after EXIF rotation
        pre_source = image
        if plan.needs_pre_downscale:
            with watch("pre-downscale"):
                pre_source = await decoder.resize(image, plan.pre_width, plan.pre_height)

        job.stage("pre-processing")
        with watch("pre"):
            network_input = (await runtime.run(graphs["pre"], {
                "rgba": Tensor("uint8", (pre_source.height, pre_source.width, 4), pre_source.data)}, ["tensor"]))["tensor"]
        del pre_source

        job.enter("inferring", stage="inference", model=model.key)
        with watch("inference"):
            prediction = (await runtime.run(model.file, {model.input_name: network_input}, [model.output_name]))[model.output_name]

        job.enter("refining", stage="refining edges")
        with watch("mask"):
            alpha = (await runtime.run(graphs["mask"], {
                "prediction": prediction, "size": int64_vector((image.height, image.width))}, ["alpha"]))["alpha"]
        deflater = deflater or ZlibDeflater()
        png_writer = PngWriter(image.width, image.height, deflater, runtime)
        with watch("compose"):
            cutout = await _compose(runtime, graphs, image, alpha, options, png_writer)

        job.enter("encoding", stage="encoding PNG")
        with watch("encode"):
            png = png_writer.file(await deflater.finish())
        watch.move(png_writer.writing_seconds, "compose", "encode")
        job.stage("checking PNG")
        with watch("verify"):
            png = await checked_png(png, cutout, runtime, fault=options.fail)
        job.enter("done", width=cutout.width, height=cutout.height, bytes=len(png))
        return JobResult(png, cutout.width, cutout.height, notices, watch.timings,
                         source=image, mask=alpha.data, cutout=cutout)
    except CutoutError as error:
        job.enter("failed", code=error.code, message=error.message)
        raise
