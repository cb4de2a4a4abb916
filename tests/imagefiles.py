"""Every test file, built in memory: real encodings by Pillow and pillow-heif, and hand-made headers.

`samples()` are real files with what sniff and read_header must find in them; `forged_header`
writes a header-only file claiming any size, for the bomb checks; the other builders make the
layouts Pillow does not write (OS/2 and top-down BMP, big-endian TIFF with SHORT sides, HEIF
boxes in chosen orders).
"""

import functools
import io
import struct
import zlib
from dataclasses import dataclass

import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

# The marked picture: blue, with a red square in its top-left corner and a green one in its
# top-right, half transparent in modes with alpha. Not square, so a quarter turn shows in the
# size; squares large enough to survive JPEG.
MARKED_SIZE = (64, 40)
MARKER = 16
RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
GREEN_ALPHA = 128

# Largest side each header can state.
MAX_SIDE_IN_HEADER = {
    "png": 2**31 - 1,
    "jpeg": 65535,
    "gif": 65535,
    "bmp": 2**31 - 1,
    "webp": 2**24,
    "tiff": 2**32 - 1,
    "avif": 2**32 - 1,
    "heic": 2**32 - 1,
}

_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    key: str  # what sniff must say
    width: int  # what read_header must say
    height: int
    animated: bool = False
    frames: int | None = 1
    orientation: int = 1
    marked_mode: str | None = None  # the mode of the marked picture it stores, if it stores one


def marked_picture(mode: str = "RGB") -> Image.Image:
    picture = Image.new("RGBA", MARKED_SIZE, BLUE)
    picture.paste(RED, (0, 0, MARKER, MARKER))
    picture.paste((*GREEN, GREEN_ALPHA if "A" in mode else 255), (MARKED_SIZE[0] - MARKER, 0, MARKED_SIZE[0], MARKER))
    return picture.convert(mode)


def grey_ramp(mode: str) -> Image.Image:
    """256×1 16-bit grey, 0 to 65535 in steps of 257: pixel x must decode to x. Mode I;16 or I;16B (big-endian)."""
    order = ">" if mode == "I;16B" else "<"
    return Image.frombytes(mode, (256, 1), struct.pack(order + "256H", *range(0, 65536, 257)))


def encode(picture: Image.Image, pillow_format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, pillow_format, **options)
    return buffer.getvalue()


def with_orientation(pillow_format: str, orientation: int) -> bytes:
    """The marked picture stored as it is, tagged to be shown turned or mirrored by `orientation`."""
    if pillow_format == "TIFF":  # TIFF keeps orientation in its own first directory, not in an EXIF block
        return encode(marked_picture(), "TIFF", tiffinfo={_EXIF_ORIENTATION: orientation})
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = orientation
    options = {"quality": 95, "subsampling": 0} if pillow_format == "JPEG" else {}
    return encode(marked_picture(), pillow_format, exif=exif.tobytes(), **options)


# (Pillow format, EXIF orientation) of the files `with_orientation` makes for tests. Pillow writes
# AVIF orientations as HEIF irot/imir boxes; pillow-heif writes them so and applies them on reading.
ORIENTED_FILES = [
    *[("JPEG", orientation) for orientation in range(1, 9)],
    *[("AVIF", orientation) for orientation in range(1, 9)],
    *[("HEIF", orientation) for orientation in range(1, 9)],
    ("PNG", 6),
    ("WEBP", 8),
    ("TIFF", 5),
]


def animation(pillow_format: str, colours=(RED, BLUE, GREEN), size=(24, 16)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in colours]
    return encode(frames[0], pillow_format, save_all=True, append_images=frames[1:], duration=100, loop=0)


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_file(width: int, height: int, bit_depth: int, colour_type: int, rows: list[bytes], extra_chunks: bytes = b"") -> bytes:
    """A PNG from raw scanlines (filter byte 0 is added), for layouts Pillow cannot write, like 16-bit RGB."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0))
    pixels = zlib.compress(b"".join(b"\x00" + row for row in rows))
    return b"\x89PNG\r\n\x1a\n" + header + extra_chunks + png_chunk(b"IDAT", pixels) + png_chunk(b"IEND", b"")


def bmp_file(picture: Image.Image, layout: str) -> bytes:
    """24-bit BMP in a layout Pillow does not write: "os2" (12-byte core header) or "top-down" (negative height)."""
    width, height = picture.size
    stride = (width * 3 + 3) & ~3
    rows = [picture.crop((0, y, width, y + 1)).tobytes("raw", "BGR").ljust(stride, b"\x00") for y in range(height)]
    if layout == "os2":
        info = struct.pack("<IHHHH", 12, width, height, 1, 24)
        rows.reverse()  # bottom-up, as BMP stores rows by default
    else:
        info = struct.pack("<IiiHHIIiiII", 40, width, -height, 1, 24, 0, stride * height, 2835, 2835, 0, 0)
    offset = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", offset + stride * height, 0, 0, offset) + info + b"".join(rows)


def tiff_file(width: int, height: int, byte_order: str = "big", side_type: int = 3, with_pixels: bool = True) -> bytes:
    """An uncompressed 8-bit grey TIFF, big- or little-endian, its sides stored as SHORT (3) or LONG (4)."""
    order = ">" if byte_order == "big" else "<"
    pixels = bytes(width * height) if with_pixels else b""
    side_layout = order + ("H2x" if side_type == 3 else "I")  # a SHORT sits at the start of its 4-byte field
    entries = [
        (256, side_type, 1, struct.pack(side_layout, width)),
        (257, side_type, 1, struct.pack(side_layout, height)),
        (258, 3, 1, struct.pack(order + "H2x", 8)),  # bits per sample
        (262, 3, 1, struct.pack(order + "H2x", 1)),  # black is zero
        (273, 4, 1, struct.pack(order + "I", 8)),  # strip offset: the pixels follow the header
        (277, 3, 1, struct.pack(order + "H2x", 1)),  # samples per pixel
        (278, 4, 1, struct.pack(order + "I", height)),  # rows per strip
        (279, 4, 1, struct.pack(order + "I", min(width * height, 2**32 - 1))),  # strip byte count
    ]
    directory = 8 + len(pixels)
    header = (b"MM" if order == ">" else b"II") + struct.pack(order + "HI", 42, directory)
    table = struct.pack(order + "H", len(entries)) + b"".join(struct.pack(order + "HHI", tag, kind, count) + value for tag, kind, count, value in entries)
    return header + pixels + table + struct.pack(order + "I", 0)


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def full_box(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def ispe(width: int, height: int) -> bytes:
    return full_box(b"ispe", struct.pack(">II", width, height))


def heif_file(brands: list[bytes], items: dict[int, list[bytes]], primary: int | None) -> bytes:
    """ftyp, then a meta box holding each item's property boxes in ipco, tied to the item by ipma."""
    properties, associations = [], b""
    for item, item_properties in items.items():
        first = len(properties) + 1
        properties += item_properties
        associations += struct.pack(">HB", item, len(item_properties)) + bytes(range(first, len(properties) + 1))
    ipma = full_box(b"ipma", struct.pack(">I", len(items)) + associations)
    pitm = full_box(b"pitm", struct.pack(">H", primary)) if primary is not None else b""
    meta = full_box(b"meta", pitm + box(b"iprp", box(b"ipco", b"".join(properties)) + ipma))
    return box(b"ftyp", brands[0] + bytes(4) + b"".join(brands)) + meta


def image_sequence(width: int, height: int) -> bytes:
    """An AVIF sequence with no still item: only a movie track header gives the size."""
    track_header = full_box(b"tkhd", bytes(72) + struct.pack(">II", width << 16, height << 16))
    return box(b"ftyp", b"avis" + bytes(4) + b"avismsf1") + box(b"moov", box(b"trak", track_header))


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def forged_header(key: str, width: int, height: int) -> bytes:
    """A file that is a header and nothing else, claiming `width`×`height`: what a decompression bomb looks like."""
    if key == "png":
        return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)) + png_chunk(b"IEND", b"")
    if key == "jpeg":
        # DHT, DAC and JPG sit in the SOF range of markers; a parser must step over them.
        tables = jpeg_segment(0xC4, bytes(17)) + jpeg_segment(0xCC, b"\x00\x10") + jpeg_segment(0xC8, b"\x00")
        frame = jpeg_segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
        return b"\xff\xd8" + tables + frame + b"\xff\xd9"
    if key == "gif":
        descriptor = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
        return b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + descriptor + b"\x02\x00\x3b"
    if key == "bmp":
        return b"BM" + struct.pack("<IHHI", 54, 0, 0, 54) + struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 0, 0, 0, 0)
    if key == "webp":
        chunk = b"VP8X" + struct.pack("<I", 10) + bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
        return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
    if key == "tiff":
        return tiff_file(width, height, byte_order="little", side_type=4, with_pixels=False)
    if key in ("avif", "heic"):
        return heif_file([b"avif" if key == "avif" else b"heic", b"mif1"], {1: [ispe(width, height)]}, primary=1)
    raise ValueError(f"no forged header for {key!r}")


def palette_picture() -> Image.Image:
    """The marked picture as palette indexes: 0 blue, 1 red, 2 green."""
    picture = Image.new("P", MARKED_SIZE, 0)
    picture.putpalette(BLUE + RED + GREEN)
    picture.paste(1, (0, 0, MARKER, MARKER))
    picture.paste(2, (MARKED_SIZE[0] - MARKER, 0, MARKED_SIZE[0], MARKER))
    return picture


def _marked(key: str, pillow_format: str, name: str = "", mode: str = "RGB", **options) -> Sample:
    data = encode(marked_picture(mode), pillow_format, **options)
    return Sample(name or key, data, key, *MARKED_SIZE, marked_mode=mode)


@functools.cache
def samples() -> dict[str, Sample]:
    """Real files of every format and flavour the decoder must handle, by name."""
    rgb16_rows = [struct.pack(">6H", 65535, 32768, 256, 0, 65535, 1000)]
    made = [
        _marked("png", "PNG", "png_rgba", mode="RGBA"),
        _marked("png", "PNG", "png_grey", mode="L"),
        _marked("png", "PNG", "png_grey_alpha", mode="LA"),
        _marked("png", "PNG", "png_1bit", mode="1"),
        Sample("png_palette_transparent_green", encode(palette_picture(), "PNG", transparency=2), "png", *MARKED_SIZE),
        Sample("png_16bit_grey", encode(grey_ramp("I;16"), "PNG"), "png", 256, 1),
        Sample("png_16bit_grey_transparent", encode(grey_ramp("I;16"), "PNG", transparency=257 * 10), "png", 256, 1),
        Sample("png_16bit_rgb", png_file(2, 1, 16, 2, rgb16_rows), "png", 2, 1),
        Sample("apng", animation("PNG"), "png", 24, 16, animated=True, frames=3),
        _marked("jpeg", "JPEG", "jpeg_baseline", quality=95, subsampling=0),
        _marked("jpeg", "JPEG", "jpeg_progressive", quality=95, subsampling=0, progressive=True),
        _marked("jpeg", "JPEG", "jpeg_grey", mode="L"),
        _marked("jpeg", "JPEG", "jpeg_cmyk", mode="CMYK", quality=95),
        _marked("webp", "WEBP", "webp_lossy", quality=95),
        _marked("webp", "WEBP", "webp_lossless", lossless=True),
        _marked("webp", "WEBP", "webp_alpha", mode="RGBA", quality=95),
        Sample("webp_animated", animation("WEBP"), "webp", 24, 16, animated=True, frames=3),
        _marked("avif", "AVIF", quality=95),
        Sample("avif_animated", animation("AVIF"), "avif", 24, 16, animated=True, frames=None),
        _marked("heic", "HEIF", quality=95),
        _marked("gif", "GIF"),
        Sample("gif_animated", animation("GIF"), "gif", 24, 16, animated=True, frames=3),
        _marked("bmp", "BMP"),
        Sample("bmp_top_down", bmp_file(marked_picture(), "top-down"), "bmp", *MARKED_SIZE, marked_mode="RGB"),
        Sample("bmp_os2", bmp_file(marked_picture(), "os2"), "bmp", *MARKED_SIZE, marked_mode="RGB"),
        _marked("tiff", "TIFF", "tiff", mode="RGBA"),
        Sample("tiff_16bit_big_endian", encode(grey_ramp("I;16B"), "TIFF"), "tiff", 256, 1),
        Sample("tiff_short_sides", tiff_file(5, 3, "big", side_type=3), "tiff", 5, 3),
        Sample("tiff_two_pages", animation("TIFF", colours=(RED, BLUE)), "tiff", 24, 16, frames=2),
    ]
    return {sample.name: sample for sample in made}
