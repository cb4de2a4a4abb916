"""One cutout job, top to bottom, and the state machine every job kind shares.

bytes → sniff → limits → decode → sizing → pre graph → network → mask graph → compose graph
→ encode → verify. The surroundings (ONNX Runtime, image decoders) come in through the
`Runtime` and `Decoder` protocols, so the browser worker and the CLI run this same code.
"""

import struct
import time
from dataclasses import dataclass, field

from . import edges, limits, sizing, sniff
from .encode import encode_verified_png
from .errors import CutoutError
from .image import RGBAImage
from .models import get_model, graph_names
from .runtime import Decoder, Runtime
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

# Compose runs in horizontal bands of about this many pixels (plus context rows, see `cutout.edges`).
# Small bands keep the graph's intermediates small, and each band reuses the memory the one before
# took: a fresh worker's heap grows slowly, so a 12 MP photo in one band composed over twice as
# slowly as in bands of this size, in the browser and natively.
BAND_PIXELS = 2_000_000
# A band's own rows are at least this many times its context rows on one side: the context is
# worked on again for each band, so this bounds that extra work on big photos (a 48 MP photo has
# about 500 context rows).
BAND_ROWS_PER_CONTEXT_ROW = 2
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


def parse_background(text: str) -> tuple[int, int, int, int]:
    """"transparent" or "#RRGGBB" → RGBA; anything else is a clear error."""
    if text == "transparent":
        return TRANSPARENT
    digits = text[1:] if text.startswith("#") else ""
    if len(digits) != 6 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(f"background must be 'transparent' or a colour like #RRGGBB, not {text!r}")
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16), 255)


def _bands(image_bytes, alpha_bytes, width: int, height: int):
    """(own rows, context rows above, context rows below, pixels, alpha) of each band, context included.

    Bands start on whole blocks and carry `edges.context_rows` of context where the picture has it,
    so that the compose graph gives each band's own rows exactly what the whole picture would.
    """
    block = edges.block_size(width, height)
    context = edges.context_rows(width, height)
    rows_per_band = max(block, BAND_PIXELS // width // block * block, BAND_ROWS_PER_CONTEXT_ROW * context)
    pixels, alpha = memoryview(image_bytes).cast("B"), memoryview(alpha_bytes).cast("B")
    for top in range(0, height, rows_per_band):
        bottom = min(top + rows_per_band, height)
        first, last = max(0, top - context), min(height, bottom + context)
        yield (bottom - top, top - first, last - bottom,
               pixels[first * width * 4:last * width * 4],
               alpha[first * width * 4:last * width * 4])  # float32 alpha: also 4 bytes a pixel


async def run_job(data: bytes, *, runtime: Runtime, decoder: Decoder, options: JobOptions = JobOptions(),
                  report=lambda event: None) -> JobResult:
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
        edge_feeds = {
            "background": Tensor("uint8", (4,), bytes(options.background)),
            "radii": int64_vector(edges.blur_radii(image.width, image.height)),
            "block": int64_vector([edges.block_size(image.width, image.height)]),
            "decontamination": Tensor("float32", (), struct.pack("<f", 1.0 if options.decontaminate else 0.0)),
        }
        band_feeds = ({"rgba": Tensor("uint8", (above + rows + below, image.width, 4), band_pixels),
                       "alpha": Tensor("float32", (above + rows + below, image.width), band_alpha),
                       "margins": int64_vector((above, below)), **edge_feeds}
                      for rows, above, below, band_pixels, band_alpha in _bands(image.data, alpha.data, image.width, image.height))
        # Allocated once and filled in place: growing it band by band reallocated and copied it as it grew.
        composed = bytearray(len(image.data))
        with watch("compose"):
            filled = 0
            async for out in runtime.run_each(graphs["compose"], band_feeds, ["rgba_out"]):
                band = memoryview(out["rgba_out"].data).cast("B")
                composed[filled:filled + len(band)] = band
                filled += len(band)
        cutout = RGBAImage(image.width, image.height, composed)

        job.enter("encoding", stage="encoding PNG")
        with watch("encode+verify"):
            png = encode_verified_png(cutout, fault=options.fail)
        job.enter("done", width=cutout.width, height=cutout.height, bytes=len(png))
        return JobResult(png, cutout.width, cutout.height, notices, watch.timings,
                         source=image, mask=alpha.data, cutout=cutout)
    except CutoutError as error:
        job.enter("failed", code=error.code, message=error.message)
        raise
