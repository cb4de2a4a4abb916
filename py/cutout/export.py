"""The export stage: a finished cutout laid over its new background, then encoded and verified.

cutout (RGBA, straight) → backdrop (flatten graph: a colour, or a picture scaled to cover and
centred) → encode → verify. It runs after a job, or after hand edits, never re-running the network.
"""

from dataclasses import dataclass, field

from . import limits, sniff
from .encode import encode_verified
from .image import RGBAImage
from .job import BAND_PIXELS
from .models import FLATTEN_GRAPH
from .runtime import Decoder, Encoder, Runtime
from .tensor import Tensor

FORMATS = {"png": sniff.PNG, "jpeg": sniff.JPEG, "webp": sniff.WEBP}
EXTENSIONS = {"png": "png", "jpeg": "jpg", "webp": "webp"}
DEFAULT_QUALITY = 90
# Below 40 lossy codecs smear colours past what the decode-back check accepts as the same picture.
LOWEST_QUALITY = 40
WHITE = (255, 255, 255, 255)

Colour = tuple[int, int, int, int]


@dataclass
class Exported:
    data: bytes
    mime: str
    extension: str
    notices: list[str] = field(default_factory=list)


async def _cover(picture: RGBAImage, width: int, height: int, decoder: Decoder) -> RGBAImage:
    """`picture` scaled to cover width × height (keeping its proportions) and cropped to it, centred."""
    scale = max(width / picture.width, height / picture.height)
    scaled_width, scaled_height = max(width, round(picture.width * scale)), max(height, round(picture.height * scale))
    if (scaled_width, scaled_height) != (picture.width, picture.height):
        picture = await decoder.resize(picture, scaled_width, scaled_height)
    left, top = (scaled_width - width) // 2, (scaled_height - height) // 2
    pixels = memoryview(picture.data).cast("B")
    stride = scaled_width * 4
    rows = (pixels[(top + y) * stride + left * 4:(top + y) * stride + (left + width) * 4] for y in range(height))
    return RGBAImage(width, height, b"".join(rows))


async def _backdrop_picture(data: bytes, cutout: RGBAImage, decoder: Decoder) -> RGBAImage:
    image_type = sniff.sniff(data)
    limits.check(limits.read_header(data, image_type))
    return await _cover(await decoder.decode(data, image_type), cutout.width, cutout.height, decoder)


async def lay_over(cutout: RGBAImage, background: Colour | bytes, *, runtime: Runtime, decoder: Decoder) -> RGBAImage:
    """`cutout` over a colour (r, g, b, a) or over a picture (the bytes of an image file)."""
    picture = None if isinstance(background, tuple) else await _backdrop_picture(background, cutout, decoder)
    colour = Tensor("uint8", (1, 1, 4), bytes(background)) if picture is None else None
    stride = cutout.width * 4
    rows_per_band = max(1, BAND_PIXELS // cutout.width)
    pixels = memoryview(cutout.data).cast("B")
    backdrop_pixels = None if picture is None else memoryview(picture.data).cast("B")

    def band_feeds():
        # In bands of rows, like compose, to bound memory on huge pictures.
        for top in range(0, cutout.height, rows_per_band):
            rows = min(rows_per_band, cutout.height - top)
            band = slice(top * stride, (top + rows) * stride)
            backdrop = colour or Tensor("uint8", (rows, cutout.width, 4), backdrop_pixels[band])
            yield {"rgba": Tensor("uint8", (rows, cutout.width, 4), pixels[band]), "backdrop": backdrop}

    flattened = bytearray()
    async for out in runtime.run_each(FLATTEN_GRAPH, band_feeds(), ["rgba_out"]):
        flattened += memoryview(out["rgba_out"].data).cast("B")
    return RGBAImage(cutout.width, cutout.height, flattened)


async def export_cutout(cutout: RGBAImage, *, format: str = "png", quality: int = DEFAULT_QUALITY,
                        background: Colour | bytes | None = None, runtime: Runtime, decoder: Decoder,
                        encoder: Encoder, fault: str = "") -> Exported:
    """The cutout as a verified file of `format` (png, jpeg or webp) over `background` (None: transparent).

    `fault`: the test-only `?fail=` switch (see encode.encode_verified)."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {format!r}")
    if not LOWEST_QUALITY <= quality <= 100:
        raise ValueError(f"quality must be between {LOWEST_QUALITY} and 100, not {quality}")
    notices = []
    if background is not None:
        cutout = await lay_over(cutout, background, runtime=runtime, decoder=decoder)
    if format == "jpeg" and not (isinstance(background, tuple) and background[3] == 255):
        # JPEG has no alpha: what is still see-through goes on white rather than on black.
        cutout = await lay_over(cutout, WHITE, runtime=runtime, decoder=decoder)
        if not isinstance(background, bytes):  # a picture's own see-through parts need no word
            notices.append("JPEG cannot be transparent: see-through parts were laid on white")
    image_type = FORMATS[format]
    data = await encode_verified(cutout, image_type, quality=quality, encoder=encoder, decoder=decoder, runtime=runtime,
                                 fault=fault)
    return Exported(data, image_type.mime, EXTENSIONS[format], notices)
