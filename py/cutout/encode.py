"""Encoding with straight alpha, and a decode-back check before anything is handed out.

A PNG's container is pure standard library (zlib, struct), so the browser worker writes it with the
same code; its pixel data, rows turned into filtered scanlines (a job's by the compose-tile graph
with each tile, anything else's by the scanlines graph), goes through a `Deflater` while the job
composes: natively zlib in pieces on every core (`ZlibDeflater`), in the browser a job's cutout goes
to the browser's own CompressionStream in a worker beside the job's where a core is free. JPEG and WebP come from an `Encoder` (Pillow natively, jSquash in the
browser) and are checked by decoding them back with the job's `Decoder`.
"""

import os
import struct
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

from . import sniff
from .errors import EncodeFailure
from .image import RGBAImage
from .models import SCANLINES_GRAPH
from .runtime import Decoder, Encoder, Runtime
from .tensor import Tensor

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPE_RGBA = 6
BIT_DEPTH = 8
# zlib level 1 on scanlines filtered by Up: the 12-megapixel benchmark cutout deflates in 0.52 s
# in Pyodide to 10.9 MB; level 3 takes 1.27 s for 9.9 MB (unfiltered at level 3: 0.72 s, 19.0 MB).
LEVEL = 1


def _chunk(kind: bytes, payload: bytes) -> tuple[bytes, ...]:
    """A chunk's parts, to be joined with the file's others in one copy (a 12 MP IDAT is 11 MB)."""
    return struct.pack(">I", len(payload)), kind, payload, struct.pack(">I", zlib.crc32(payload, zlib.crc32(kind)))


# Each piece starts with an empty window, so smaller pieces compress a little worse: at this size
# the 12-megapixel benchmark cutout's PNG grows by 129 bytes, and on two cores it is written
# (filtering included) in 0.38–0.46 s, not 0.54–0.57 s.
PIECE_BYTES = 4 * 2**20


def _deflate_piece(piece, level: int, flush: int) -> bytes:
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(piece) + compressor.flush(flush)


class ZlibDeflater:
    """A `cutout.runtime.Deflater` on zlib: the input deflated in independent pieces joined into
    one stream, as pigz does. Natively each piece goes to a thread as soon as it is full (zlib lets
    go of the GIL while it works), so pieces deflate while the job composes the next rows; Pyodide
    has no threads, so there each piece deflates when it fills. The bytes never depend on the threads."""

    def __init__(self, level: int = LEVEL):
        self._level = level
        self._pending = bytearray()
        self._pieces = []  # deflated pieces, or futures of them
        self._checksum = zlib.adler32(b"")
        threads = 1 if sys.platform == "emscripten" else os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def _submit(self, piece: bytearray, flush: int) -> None:
        if self._pool is None:
            self._pieces.append(_deflate_piece(piece, self._level, flush))
        else:
            self._pieces.append(self._pool.submit(_deflate_piece, piece, self._level, flush))

    def write(self, data) -> None:
        self._checksum = zlib.adler32(data, self._checksum)
        self._pending += data
        while len(self._pending) >= PIECE_BYTES:
            # Pieces before the last end on a byte boundary without the final-block bit (sync
            # flush), so the next piece's blocks can follow them in the same stream.
            self._submit(self._pending[:PIECE_BYTES], zlib.Z_SYNC_FLUSH)
            del self._pending[:PIECE_BYTES]

    def stream(self) -> bytes:
        """The zlib stream of everything written (and no more writes after it)."""
        self._submit(self._pending, zlib.Z_FINISH)
        self._pending = bytearray()
        deflated = [piece if isinstance(piece, bytes) else piece.result() for piece in self._pieces]
        if self._pool is not None:
            self._pool.shutdown()
        # The two-byte zlib header zlib itself writes for this level (that of an empty stream).
        zlib_header = zlib.compressobj(self._level).flush()[:2]
        return b"".join((zlib_header, *deflated, struct.pack(">I", self._checksum)))

    async def finish(self) -> bytes:
        return self.stream()


async def _scanlines(runtime: Runtime, pixels, width: int, above: bytes) -> bytes:
    """Whole rows of straight RGBA as filtered PNG scanlines (the scanlines graph); `above` is the row before them."""
    rows = len(pixels) // (width * 4)
    out = await runtime.run(SCANLINES_GRAPH, {"rgba": Tensor("uint8", (rows, width, 4), pixels),
                                              "above": Tensor("uint8", (width, 4), above)}, ["scanlines"])
    return bytes(out["scanlines"].data)


def _runs_of_rows(pixels, stride: int, above_first):
    """(first row, rows, the row above them) of `pixels` in runs of about a piece, so that a big
    picture never needs a second copy of itself at once; `above_first` is the row above the first."""
    view = memoryview(pixels).cast("B")
    run = max(1, PIECE_BYTES // stride)
    rows = len(view) // stride
    for top in range(0, rows, run):
        above = view[(top - 1) * stride:top * stride] if top else above_first
        yield top, view[top * stride:min(top + run, rows) * stride], above


class PngWriter:
    """A straight-alpha RGBA PNG written rows at a time: each run of rows becomes filtered scanlines
    and goes to the deflater as it comes, and `file` wraps the finished zlib stream in the PNG's chunks."""

    def __init__(self, width: int, height: int, deflater, runtime: Runtime):
        self.width, self.height = width, height
        self._deflater = deflater
        self._runtime = runtime
        self._rows = 0
        self._above = bytes(width * 4)  # a PNG's first row is filtered against zeros
        # Seconds spent filtering rows and handing them to the deflater: where it deflates in the
        # calling thread (Pyodide's zlib), the deflating too, which a job counts as encoding, not composing.
        self.writing_seconds = 0.0

    def _rows_of(self, pixels) -> tuple[memoryview, int]:
        stride = self.width * 4
        view = memoryview(pixels).cast("B")
        rows = len(view) // stride
        if rows * stride != len(view) or self._rows + rows > self.height:
            raise ValueError(f"{len(view)} bytes are not whole rows of what is left of a {self.width}×{self.height} PNG")
        return view, rows

    def _added(self, view: memoryview, rows: int, started: float) -> None:
        if rows:
            self._above = bytes(view[(rows - 1) * self.width * 4:])
        self._rows += rows
        self.writing_seconds += time.perf_counter() - started

    async def add_rows(self, pixels) -> None:
        """Whole rows of straight RGBA, the next ones of the picture."""
        view, rows = self._rows_of(pixels)
        started = time.perf_counter()
        for _, run, above in _runs_of_rows(view, self.width * 4, self._above):
            self._deflater.write(await _scanlines(self._runtime, run, self.width, above))
        self._added(view, rows, started)

    def add_scanlines(self, pixels, scanlines) -> None:
        """The next whole rows of straight RGBA with their scanlines, made already (compose-tile
        filters its rows itself, against the row above them as `add_rows` would)."""
        view, rows = self._rows_of(pixels)
        if len(scanlines) != rows * (self.width * 4 + 1):
            raise ValueError(f"{len(scanlines)} bytes are not the scanlines of {rows} rows {self.width} pixels wide")
        started = time.perf_counter()
        self._deflater.write(scanlines)
        self._added(view, rows, started)

    def file(self, zlib_stream: bytes) -> bytes:
        """The PNG, given the deflater's stream of every row."""
        if self._rows != self.height:
            raise ValueError(f"the PNG has {self._rows} of its {self.height} rows")
        header = struct.pack(">IIBBBBB", self.width, self.height, BIT_DEPTH, COLOUR_TYPE_RGBA, 0, 0, 0)
        return b"".join((PNG_SIGNATURE, *_chunk(b"IHDR", header), *_chunk(b"IDAT", zlib_stream), *_chunk(b"IEND", b"")))


async def encode_png(image: RGBAImage, runtime: Runtime, level: int = LEVEL) -> bytes:
    deflater = ZlibDeflater(level)
    writer = PngWriter(image.width, image.height, deflater, runtime)
    await writer.add_rows(image.data)
    return writer.file(deflater.stream())


def _read_chunks(png: bytes):
    """(kind, payload) of each chunk, the payload a view into `png`, its CRC checked."""
    view = memoryview(png)
    offset = len(PNG_SIGNATURE)
    while offset + 12 <= len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        payload = view[offset + 8:offset + 8 + length]
        crc_bytes = png[offset + 8 + length:offset + 12 + length]
        if len(payload) != length or len(crc_bytes) != 4:
            raise EncodeFailure(f"PNG chunk {kind!r} is truncated")
        if struct.unpack(">I", crc_bytes)[0] != zlib.crc32(payload, zlib.crc32(kind)):
            raise EncodeFailure(f"PNG chunk {kind!r} has a bad CRC")
        yield kind, payload
        offset += 12 + length


async def verify_png(png: bytes, source: RGBAImage, runtime: Runtime) -> None:
    """Decode `png` back and compare it with `source`; raise EncodeFailure on any difference.

    Its pixel data is compared with the scanlines of `source`, made afresh: a scanline differs from
    them exactly where a decoder would give a different pixel, and undoing the filter in pure
    Python would cost more than the deflating."""
    if not png.startswith(PNG_SIGNATURE):
        raise EncodeFailure("the encoded file does not start with the PNG signature")
    chunks = list(_read_chunks(png))
    if not chunks or chunks[0][0] != b"IHDR" or chunks[-1][0] != b"IEND":
        raise EncodeFailure("the encoded PNG lacks its IHDR or IEND chunk")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if (width, height) != (source.width, source.height):
        raise EncodeFailure(f"the encoded PNG is {width}×{height}, expected {source.width}×{source.height}")
    if (depth, colour, interlace) != (BIT_DEPTH, COLOUR_TYPE_RGBA, 0):
        raise EncodeFailure("the encoded PNG is not 8-bit non-interlaced RGBA")
    stride = width * 4
    try:
        # Sized up front: growing the buffer step by step took a fifth longer on 12 MP.
        idat = [payload for kind, payload in chunks if kind == b"IDAT"]
        raw = zlib.decompress(idat[0] if len(idat) == 1 else b"".join(idat), bufsize=height * (stride + 1))
    except zlib.error as error:
        raise EncodeFailure(f"the encoded PNG's pixel data does not decompress: {error}") from None
    if len(raw) != height * (stride + 1):
        raise EncodeFailure("the encoded PNG holds the wrong amount of pixel data")
    for top, run, above in _runs_of_rows(source.data, stride, bytes(stride)):
        expected = await _scanlines(runtime, run, width, above)
        start = top * (stride + 1)
        # Compared as bytes (memcmp): comparing memoryviews goes item by item, about 9× slower.
        if raw[start:start + len(expected)] != expected:
            line = next(row for row in range(len(expected) // (stride + 1))
                        if raw[start + row * (stride + 1):start + (row + 1) * (stride + 1)]
                        != expected[row * (stride + 1):(row + 1) * (stride + 1)])
            raise EncodeFailure(f"the encoded PNG differs from the cutout at row {top + line}")


async def checked_png(png: bytes, image: RGBAImage, runtime: Runtime, fault: str = "") -> bytes:
    """`png`, once decoded back and compared with `image`; EncodeFailure, with what to do, if it differs.

    `fault="encode"` (a test-only switch) damages the encoded bytes, so the check must catch it.
    """
    if fault == "encode":
        png = _damaged(png)
    try:
        await verify_png(png, image, runtime)
    except EncodeFailure as error:
        raise EncodeFailure(f"the exported PNG failed its check and was not saved ({error.message}); try again") from None
    return png


async def encode_verified_png(image: RGBAImage, runtime: Runtime, level: int = LEVEL, fault: str = "") -> bytes:
    """The PNG of `image`, decoded back and compared before it is returned (`checked_png`)."""
    return await checked_png(await encode_png(image, runtime, level), image, runtime, fault)


def _damaged(data: bytes) -> bytes:
    """`data` with its second half zeroed, as a failing encoder or disk would leave it: its pixel
    data is lost, which a lossy file's block check sees too (one flipped byte may hide in a JPEG)."""
    middle = len(data) // 2
    return data[:middle] + bytes(len(data) - middle)


# The lossy check compares means of BLOCK × BLOCK pixel blocks, which lossy codecs keep closely
# even on noise-like textures, over a sample of blocks: cheap in Pyodide, and a damaged or wrong
# file moves enough blocks' means to lift their average error far beyond the tolerance.
BLOCK = 8
SAMPLED_BLOCKS = 1024
BLOCK_COLOUR_TOLERANCE = 10.0
# WebP keeps alpha losslessly (jSquash and Pillow both do by default); browsers decode through
# premultiplied canvases, which may cost a step on faint pixels.
WEBP_ALPHA_TOLERANCE = 1.0


def _block_differences(source: RGBAImage, decoded: RGBAImage) -> tuple[float, float]:
    """Over sampled blocks: the average colour difference of fully opaque blocks' means (encoders may
    drop the colour under transparent pixels) and the mean absolute alpha difference."""
    width, height = source.width, source.height
    ours, theirs = memoryview(source.data).cast("B"), memoryview(decoded.data).cast("B")
    side_x, side_y = min(BLOCK, width), min(BLOCK, height)
    across, down = width // side_x, height // side_y
    colour_total = opaque_blocks = alpha_total = pixels = 0
    for block in range(0, across * down, max(1, across * down // SAMPLED_BLOCKS)):
        x, y = block % across * side_x, block // across * side_y
        sums, opaque = [0, 0, 0], True
        for row in range(y, y + side_y):
            start = (row * width + x) * 4
            a, b = ours[start:start + side_x * 4], theirs[start:start + side_x * 4]
            for channel in range(3):
                sums[channel] += sum(a[channel::4]) - sum(b[channel::4])
            alpha_total += sum(abs(p - q) for p, q in zip(a[3::4], b[3::4]))
            opaque = opaque and min(a[3::4]) == 255
            pixels += side_x
        if opaque:
            colour_total += max(abs(total) for total in sums) / (side_x * side_y)
            opaque_blocks += 1
    return colour_total / max(1, opaque_blocks), alpha_total / max(1, pixels)


async def verify_lossy(data: bytes, image_type: sniff.ImageType, source: RGBAImage, decoder: Decoder) -> None:
    """Decode `data` back and compare a sample of pixels with `source`; raise EncodeFailure if it is not that picture."""
    try:
        if sniff.sniff(data) != image_type:
            raise EncodeFailure(f"the encoded file is not a {image_type.label}")
        decoded = await decoder.decode(data, image_type)
    except EncodeFailure:
        raise
    except Exception as error:  # a decoder's own error: the file cannot be what we meant to write
        raise EncodeFailure(f"the encoded {image_type.name} does not decode: {error}") from None
    if (decoded.width, decoded.height) != (source.width, source.height):
        raise EncodeFailure(f"the encoded {image_type.name} is {decoded.width}×{decoded.height}, "
                            f"expected {source.width}×{source.height}")
    colour, alpha = _block_differences(source, decoded)
    if colour > BLOCK_COLOUR_TOLERANCE:
        raise EncodeFailure(f"the encoded {image_type.name} differs from the cutout (its blocks' colours are off by {colour:.1f} on average)")
    if image_type == sniff.WEBP and alpha > WEBP_ALPHA_TOLERANCE:
        raise EncodeFailure("the encoded WebP lost the cutout's transparency")


async def encode_verified(image: RGBAImage, image_type: sniff.ImageType, *, quality: int, encoder: Encoder,
                          decoder: Decoder, runtime: Runtime, fault: str = "") -> bytes:
    """`image` as a verified PNG, JPEG or WebP file (JPEG only for opaque images: flatten first).

    `fault="encode"` (the test-only switch of encode_verified_png) damages the encoded bytes.
    """
    if image_type == sniff.PNG:
        return await encode_verified_png(image, runtime, fault=fault)
    data = await encoder.encode(image, image_type, quality)
    if fault == "encode":
        data = _damaged(data)
    await verify_lossy(data, image_type, image, decoder)
    return data
