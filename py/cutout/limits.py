"""Picture size read from the file header, and the size limit, before any pixel is decoded.

Pure standard library: it runs in Pyodide. A decompression bomb is a small file whose header
promises a huge picture; `check` refuses it while it is still a few bytes, before a decoder
allocates anything. Parsers read only headers and skip over pixel data by its recorded length.
"""

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import CorruptImage, ImageTooLarge
from .sniff import BMP_HEADER_SIZES, ImageType

MAX_PIXELS = 50_000_000
# No browser draws a canvas with a longer side, and both runtimes must accept the same files.
MAX_SIDE = 32_767


@dataclass(frozen=True)
class Header:
    width: int  # as stored, before the orientation is applied
    height: int
    animated: bool = False
    frames: int | None = 1  # frames the file holds; None where only decoding would tell
    orientation: int = 1  # EXIF orientation (1–8) the decoder applies; 5–8 turn the picture a quarter

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height once the orientation is applied."""
        return (self.height, self.width) if self.orientation >= 5 else (self.width, self.height)


def read_header(data: bytes, image_type: ImageType) -> Header:
    """The header of `data`, which `sniff` found to be `image_type`; raises CorruptImage where it is cut short or inconsistent."""
    return _HEADER_READERS[image_type.key](_Bytes(data, image_type.name))


def check(header: Header) -> Header:
    """`header` unchanged when Cutout can process its picture; CorruptImage or ImageTooLarge otherwise."""
    width, height = header.width, header.height
    if width < 1 or height < 1:
        raise CorruptImage(f"the file's header gives a picture size of {width}×{height} pixels, which is impossible; the file is damaged")
    if not _within_limits(width, height):
        raise ImageTooLarge(_too_large_message(width, height))
    return header


def _within_limits(width: int, height: int) -> bool:
    return width * height <= MAX_PIXELS and max(width, height) <= MAX_SIDE


def fit_within_limits(width: int, height: int) -> tuple[int, int]:
    """The largest size with the same proportions that `check` accepts (the size itself when it already passes)."""
    if _within_limits(width, height):
        return width, height
    scale = min(math.sqrt(MAX_PIXELS / (width * height)), MAX_SIDE / max(width, height))
    while True:
        fit_width, fit_height = max(1, math.floor(width * scale)), max(1, math.floor(height * scale))
        if _within_limits(fit_width, fit_height):
            return fit_width, fit_height
        scale *= 1 - 1e-12  # floating-point rounding left it a pixel over a limit


def _too_large_message(width: int, height: int) -> str:
    fit_width, fit_height = fit_within_limits(width, height)
    size = f"the image is {width}×{height} pixels ({width * height / 1e6:.1f} megapixels)"
    if width * height > MAX_PIXELS:
        problem = f"{size}, more than Cutout's limit of {MAX_PIXELS // 1_000_000} megapixels"
    else:
        problem = f"{size} and its longer side is over Cutout's limit of {MAX_SIDE} pixels"
    return f"{problem}; downscale it to at most {fit_width}×{fit_height} pixels or split it into parts, then try again"


class _Bytes:
    """The file with bounds-checked reads: running off the end is a truncated file, never an IndexError."""

    def __init__(self, data: bytes, format_name: str):
        self.data = data if isinstance(data, bytes) else bytes(data)
        self.format_name = format_name

    def __len__(self) -> int:
        return len(self.data)

    def unpack(self, layout: str, offset: int, what: str) -> tuple:
        """struct.unpack_from; `what` names the part that is missing if the file ends first."""
        if not 0 <= offset <= len(self.data) - struct.calcsize(layout):
            raise self.truncated(what)
        return struct.unpack_from(layout, self.data, offset)

    def truncated(self, what: str) -> CorruptImage:
        return CorruptImage(f"the {self.format_name} file is truncated: it ends before {what}")

    def damaged(self, problem: str) -> CorruptImage:
        return CorruptImage(f"the {self.format_name} file is damaged: {problem}")


def _valid_orientation(value: int) -> int:
    # Decoders ignore an orientation outside 1–8, so the header does too.
    return value if 1 <= value <= 8 else 1


def _chunks(file: _Bytes, offset: int, png: bool) -> Iterator[tuple[bytes, int, int]]:
    """(kind, payload offset, payload size) of each whole chunk of a PNG or RIFF (WebP) file.

    Stops quietly where the data ends: what follows the header is the decoder's to judge.
    """
    while offset + 8 <= len(file):
        if png:  # size, kind, payload, CRC
            size, kind = struct.unpack_from(">I4s", file.data, offset)
            trailer = 4
        else:  # kind, size, payload padded to an even length
            kind, size = struct.unpack_from("<4sI", file.data, offset)
            trailer = size & 1
        start = offset + 8
        if start + size > len(file):
            return
        yield kind, start, size
        offset = start + size + trailer


def _png(file: _Bytes) -> Header:
    length, kind, width, height = file.unpack(">I4sII", 8, "its header")
    if kind != b"IHDR" or length != 13:
        raise file.damaged("it does not start with an IHDR header chunk")
    frames, orientation = 1, 1
    for kind, start, size in _chunks(file, 8, png=True):
        if kind == b"acTL" and size >= 4:  # APNG animation control: the frame count comes first
            (frames,) = struct.unpack_from(">I", file.data, start)
        elif kind == b"eXIf":
            orientation = _exif_orientation(file.data[start : start + size])
        elif kind == b"IEND":
            break
    return Header(width, height, animated=frames > 1, frames=frames, orientation=orientation)


# SOF0–SOF15 carry the frame size, except C4 (DHT), C8 (JPG extension) and CC (DAC), which share the range.
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM, RST0–7, SOI, and 00 (a stuffed FF inside entropy-coded data).
_JPEG_MARKERS_WITHOUT_LENGTH = frozenset({0x00, 0x01, *range(0xD0, 0xD9)})


def _jpeg(file: _Bytes) -> Header:
    orientation = None
    offset = 2
    while True:
        # Stray bytes between segments are skipped to the next FF, as libjpeg does.
        offset = file.data.find(b"\xff", offset)
        if offset < 0:
            raise file.truncated("its frame header (SOF)")
        while offset + 1 < len(file) and file.data[offset + 1] == 0xFF:  # fill bytes
            offset += 1
        (marker,) = file.unpack("B", offset + 1, "its frame header (SOF)")
        offset += 2
        if marker in _JPEG_MARKERS_WITHOUT_LENGTH:
            continue
        if marker in (0xD9, 0xDA):  # EOI or SOS
            raise file.damaged("its image data comes before any frame header (SOF) giving its size")
        (length,) = file.unpack(">H", offset, "its frame header (SOF)")
        if marker in _JPEG_FRAME_MARKERS:
            height, width = file.unpack(">xHH", offset + 2, "the end of its frame header (SOF)")
            return Header(width, height, orientation=orientation or 1)
        if marker == 0xE1 and orientation is None and file.data.startswith(b"Exif\x00\x00", offset + 2):
            orientation = _exif_orientation(file.data[offset + 2 : offset + length])
        offset += length


_TIFF_SHORT, _TIFF_LONG = 3, 4
_TIFF_WIDTH, _TIFF_HEIGHT, _TIFF_ORIENTATION = 0x0100, 0x0101, 0x0112


def _tiff_first_directory(file: _Bytes) -> tuple[str, dict[int, int], int]:
    """Byte order, the single-valued SHORT and LONG tags of IFD0, and the offset of the next directory."""
    order = {b"II": "<", b"MM": ">"}.get(file.data[:2])
    if order is None:
        raise file.damaged("it does not start with a byte-order mark (II or MM)")
    magic, directory = file.unpack(order + "HI", 2, "its header")
    if magic != 42:
        raise file.damaged(f"its header has the number {magic} where 42 belongs")
    (count,) = file.unpack(order + "H", directory, "its first image directory")
    tags = {}
    entries = directory + 2
    for entry in range(entries, entries + 12 * count, 12):
        tag, kind, values, value = file.unpack(order + "HHI4s", entry, "the end of its first image directory")
        if values == 1 and kind in (_TIFF_SHORT, _TIFF_LONG):
            # A value that fits in 4 bytes sits in the entry itself, at its start in either byte order.
            (tags[tag],) = struct.unpack_from(order + ("H" if kind == _TIFF_SHORT else "I"), value)
    (next_directory,) = file.unpack(order + "I", entries + 12 * count, "the end of its first image directory")
    return order, tags, next_directory


def _exif_orientation(exif: bytes) -> int:
    """The orientation in an EXIF block; 1 where it is missing or unreadable, as browsers treat it."""
    # Some writers keep JPEG's "Exif\0\0" prefix in PNG and WebP too.
    exif_file = _Bytes(exif.removeprefix(b"Exif\x00\x00"), "EXIF")
    try:
        _, tags, _ = _tiff_first_directory(exif_file)
    except CorruptImage:
        return 1
    return _valid_orientation(tags.get(_TIFF_ORIENTATION, 1))


def _tiff(file: _Bytes) -> Header:
    order, tags, next_directory = _tiff_first_directory(file)
    if _TIFF_WIDTH not in tags or _TIFF_HEIGHT not in tags:
        raise file.damaged("its first image directory does not give the picture size")
    frames = _tiff_page_count(file, order, next_directory)
    orientation = _valid_orientation(tags.get(_TIFF_ORIENTATION, 1))
    return Header(tags[_TIFF_WIDTH], tags[_TIFF_HEIGHT], frames=frames, orientation=orientation)


def _tiff_page_count(file: _Bytes, order: str, next_directory: int) -> int | None:
    """Pages along the chain of directories after IFD0; None where the chain breaks or loops."""
    pages, seen = 1, set()
    while next_directory:
        if next_directory in seen or next_directory + 2 > len(file):
            return None
        seen.add(next_directory)
        (count,) = struct.unpack_from(order + "H", file.data, next_directory)
        link = next_directory + 2 + 12 * count
        if link + 4 > len(file):
            return None
        (next_directory,) = struct.unpack_from(order + "I", file.data, link)
        pages += 1
    return pages


def _gif_colour_table_size(flags: int) -> int:
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _skip_gif_sub_blocks(file: _Bytes, offset: int) -> int:
    while True:
        (size,) = file.unpack("B", offset, "the end of a data block")
        offset += 1 + size
        if size == 0:
            return offset


def _gif(file: _Bytes) -> Header:
    width, height, flags = file.unpack("<HHB", 6, "its logical screen descriptor")
    offset = 13 + _gif_colour_table_size(flags)
    frames = 0
    try:
        while True:
            (block,) = file.unpack("B", offset, "its first image" if frames == 0 else "its trailer")
            if block == 0x3B:  # trailer
                break
            if block == 0x21:  # extension: a label, then data blocks
                offset = _skip_gif_sub_blocks(file, offset + 2)
            elif block == 0x2C:  # image descriptor, local colour table, LZW code size, data blocks
                left, top, frame_width, frame_height, frame_flags = file.unpack("<HHHHB", offset + 1, "the end of an image descriptor")
                if frames == 0:  # Pillow grows the canvas to hold a first frame that overhangs the logical screen
                    width, height = max(width, left + frame_width), max(height, top + frame_height)
                frames += 1
                offset = _skip_gif_sub_blocks(file, offset + 10 + _gif_colour_table_size(frame_flags) + 1)
            else:
                raise file.damaged(f"it has an unknown block (0x{block:02x}) at byte {offset}")
    except CorruptImage:
        if frames == 0:
            raise
        # A damaged tail does not stop the first frame from decoding.
    if frames == 0:
        raise file.damaged("it holds no image")
    return Header(width, height, animated=frames > 1, frames=frames)


def _bmp(file: _Bytes) -> Header:
    (header_size,) = file.unpack("<I", 14, "its header")
    if header_size == 12:  # OS/2 core header: unsigned 16-bit sides
        width, height = file.unpack("<HH", 18, "the end of its header")
    elif header_size in BMP_HEADER_SIZES:
        width, height = file.unpack("<ii", 18, "the end of its header")
        height = abs(height)  # a negative height means rows are stored top-down
    else:
        raise file.damaged(f"its header has an unknown size ({header_size} bytes)")
    return Header(width, height)


def _webp(file: _Bytes) -> Header:
    (kind,) = file.unpack("4s", 12, "its first chunk")
    if kind == b"VP8 ":  # lossy: a 3-byte frame tag, a start code, then 14-bit sides
        start_code, width, height = file.unpack("<3sHH", 23, "its VP8 frame header")
        if start_code != b"\x9d\x01\x2a":
            raise file.damaged("its VP8 frame header has no start code")
        return Header(width & 0x3FFF, height & 0x3FFF)
    if kind == b"VP8L":  # lossless: a signature byte, then sides minus one in 14 bits each
        signature, bits = file.unpack("<BI", 20, "its VP8L header")
        if signature != 0x2F:
            raise file.damaged("its VP8L header has no signature")
        return Header((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if kind == b"VP8X":  # extended: flags, then canvas sides minus one in 24 bits each
        flags, width, height = file.unpack("<B3x3s3s", 20, "its VP8X header")
        animated = bool(flags & 0x02)
        frames, orientation = 0, 1
        for chunk, start, size in _chunks(file, 12, png=False):
            if chunk == b"ANMF":
                frames += 1
            elif chunk == b"EXIF":
                orientation = _exif_orientation(file.data[start : start + size])
        return Header(
            int.from_bytes(width, "little") + 1,
            int.from_bytes(height, "little") + 1,
            animated=animated,
            frames=(frames or None) if animated else 1,
            orientation=orientation,
        )
    raise file.damaged(f"its first chunk is '{_printable(kind)}', not VP8, VP8L or VP8X")


def _printable(kind: bytes) -> str:
    text = kind.decode("latin-1")
    return text if text.isprintable() else kind.hex()


def _boxes(file: _Bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload offset, end offset) of each ISO media box between `start` and `end`."""
    offset = start
    while offset < end:
        if end - offset < 8:
            raise file.truncated("the end of its last box") if end == len(file) else file.damaged("a box is cut short inside its parent")
        size, kind = struct.unpack_from(">I4s", file.data, offset)
        header = 8
        if size == 1:  # a 64-bit size follows the type
            (size,) = file.unpack(">Q", offset + 8, f"the end of its '{_printable(kind)}' box")
            header = 16
        elif size == 0:  # the box runs to the end of its parent
            size = end - offset
        box_end = offset + size
        if box_end > len(file):
            raise file.truncated(f"the end of its '{_printable(kind)}' box")
        if size < header or box_end > end:
            raise file.damaged(f"its '{_printable(kind)}' box does not fit inside its parent")
        yield kind, offset + header, box_end
        offset = box_end


def _iso_media(file: _Bytes) -> Header:
    meta = movie = None
    try:
        for kind, start, end in _boxes(file, 0, len(file)):
            if kind == b"meta" and meta is None:
                meta = start, end
            elif kind == b"moov" and movie is None:
                movie = start, end
    except CorruptImage:
        if meta is None and movie is None:
            raise
        # Past the boxes that describe the picture, a cut-off file is the decoder's to report.
    if meta is not None:
        width, height, orientation = _primary_item_size(file, *meta)
    elif movie is not None:
        width, height = _largest_track_size(file, *movie)
        orientation = 1
    else:
        raise file.damaged("it has no 'meta' box describing its picture")
    animated = movie is not None  # an image sequence is a movie track
    return Header(width, height, animated=animated, frames=None if animated else 1, orientation=orientation)


# HEIF transforms as one EXIF orientation: (anticlockwise quarter turns from irot, imir mode) → orientation.
# Rotation comes first. Mode 0 swaps top and bottom, 1 left and right, as libheif, libavif and Pillow use it.
_HEIF_ORIENTATION = {
    (0, None): 1, (1, None): 8, (2, None): 3, (3, None): 6,
    (0, 1): 2, (1, 1): 7, (2, 1): 4, (3, 1): 5,
    (0, 0): 4, (1, 0): 5, (2, 0): 2, (3, 0): 7,
}


def _primary_item_size(file: _Bytes, start: int, end: int) -> tuple[int, int, int]:
    """Width, height and orientation of the primary item: its 'ispe' (and 'clap'), or the largest 'ispe' if it has none."""
    primary_item = None
    properties: list[tuple[bytes, int, int]] = []
    associations: dict[int, list[int]] = {}
    for kind, box_start, box_end in _boxes(file, start + 4, end):  # meta is a full box: skip version and flags
        if kind == b"pitm":
            (version,) = file.unpack("B", box_start, "its primary item")
            (primary_item,) = file.unpack(">H" if version == 0 else ">I", box_start + 4, "its primary item")
        elif kind == b"iprp":
            for child, child_start, child_end in _boxes(file, box_start, box_end):
                if child == b"ipco":
                    properties = list(_boxes(file, child_start, child_end))
                elif child == b"ipma":
                    associations = _item_properties(file, child_start, child_end)
    own = [properties[index - 1] for index in associations.get(primary_item, ()) if 1 <= index <= len(properties)]
    extents = [_image_spatial_extent(file, offset) for kind, offset, _ in own if kind == b"ispe"]
    if not extents:
        extents = sorted((_image_spatial_extent(file, offset) for kind, offset, _ in properties if kind == b"ispe"), key=_area, reverse=True)
    if not extents:
        raise file.damaged("it does not record its picture size (no 'ispe' property)")
    width, height = extents[0]
    quarter_turns, mirror = 0, None
    for kind, offset, _ in own:
        # The clean aperture crops the coded picture, which HEVC pads to whole blocks. A decoder allocates
        # the coded size first, so a coded size over the limits stands, for `check` to refuse.
        if kind == b"clap" and _within_limits(width, height):
            width_n, width_d, height_n, height_d = file.unpack(">IIII", offset, "the end of its clean aperture property")
            if width_d == 0 or height_d == 0:
                raise file.damaged("its clean aperture property divides by zero")
            width, height = (width_n + width_d // 2) // width_d, (height_n + height_d // 2) // height_d
        elif kind == b"irot":
            (quarter_turns,) = file.unpack("B", offset, "its rotation property")
            quarter_turns &= 3
        elif kind == b"imir":
            (mirror,) = file.unpack("B", offset, "its mirror property")
            mirror &= 1
    return width, height, _HEIF_ORIENTATION[quarter_turns, mirror]


def _area(size: tuple[int, int]) -> int:
    return size[0] * size[1]


def _image_spatial_extent(file: _Bytes, start: int) -> tuple[int, int]:
    return file.unpack(">4xII", start, "the end of its picture size property ('ispe')")  # after version and flags


def _item_properties(file: _Bytes, start: int, end: int) -> dict[int, list[int]]:
    """The 'ipma' box: for each item, the 1-based indexes of its properties in 'ipco'."""
    what = "the end of its item property table ('ipma')"
    version, flags, entries = file.unpack(">B3sI", start, what)
    item_layout = ">H" if version < 1 else ">I"
    # The top bit of each index marks an essential property.
    index_layout, index_mask = (">H", 0x7FFF) if int.from_bytes(flags, "big") & 1 else ("B", 0x7F)
    offset = start + 8
    associations = {}
    for _ in range(entries):
        if offset >= end:
            raise file.damaged("its item property table ('ipma') lists more entries than it holds")
        (item,) = file.unpack(item_layout, offset, what)
        offset += struct.calcsize(item_layout)
        (count,) = file.unpack("B", offset, what)
        offset += 1
        indexes = []
        for _ in range(count):
            (index,) = file.unpack(index_layout, offset, what)
            offset += struct.calcsize(index_layout)
            indexes.append(index & index_mask)
        associations[item] = indexes
    return associations


def _largest_track_size(file: _Bytes, start: int, end: int) -> tuple[int, int]:
    """For a sequence without a still item: the largest track, from 'tkhd' (16.16 fixed-point sides at its end)."""
    sizes = []
    for kind, track_start, track_end in _boxes(file, start, end):
        if kind != b"trak":
            continue
        for child, header_start, header_end in _boxes(file, track_start, track_end):
            if child == b"tkhd":
                if header_end - header_start < 84:
                    raise file.damaged("its track header ('tkhd') is too short")
                width, height = file.unpack(">II", header_end - 8, "the end of its track header")
                sizes.append((width >> 16, height >> 16))
    if not sizes:
        raise file.damaged("it has neither a still picture nor a picture track")
    return max(sizes, key=_area)


_HEADER_READERS = {
    "png": _png,
    "jpeg": _jpeg,
    "webp": _webp,
    "avif": _iso_media,
    "heic": _iso_media,
    "gif": _gif,
    "bmp": _bmp,
    "tiff": _tiff,
}
