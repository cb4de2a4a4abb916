import asyncio
import functools
import io
import os
import zlib

import numpy
import pytest
import skimage
from hypothesis import given, settings, strategies as st
from PIL import Image

from cutout import sniff
from cutout.encode import (LEVEL, PNG_SIGNATURE, PngWriter, ZlibDeflater, encode_png, encode_verified, encode_verified_png,
                           verify_png)
from cutout.errors import EncodeFailure
from cutout.image import RGBAImage
from cutout.native import NativeRuntime

RUNTIME = NativeRuntime()


def random_image(width, height):
    return RGBAImage(width, height, os.urandom(width * height * 4))


def png_of(image):
    return asyncio.run(encode_png(image, RUNTIME))


def verified_png_of(image, fault=""):
    return asyncio.run(encode_verified_png(image, RUNTIME, fault=fault))


def verify(png, image):
    asyncio.run(verify_png(png, image, RUNTIME))


def photo_image(name="chelsea"):
    photo = getattr(skimage.data, name)()
    return RGBAImage(photo.shape[1], photo.shape[0], numpy.dstack([photo, numpy.full(photo.shape[:2], 255, numpy.uint8)]).tobytes())


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 70), st.integers(1, 70))
def test_png_round_trips_through_pillow_exactly(width, height):
    image = random_image(width, height)
    png = verified_png_of(image)
    assert png.startswith(PNG_SIGNATURE)
    decoded = Image.open(io.BytesIO(png))
    assert decoded.mode == "RGBA" and decoded.size == (width, height)
    assert decoded.tobytes() == bytes(image.data)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(1, 600))
def test_png_deflated_in_many_pieces_round_trips_and_threads_change_no_byte(width, height, piece_bytes):
    image = random_image(width, height)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cutout.encode.PIECE_BYTES", piece_bytes)
        patch.setattr("cutout.encode.os.cpu_count", lambda: 1)
        one_by_one = verified_png_of(image)
        patch.setattr("cutout.encode.os.cpu_count", lambda: 4)
        threaded = verified_png_of(image)
    assert threaded == one_by_one
    assert Image.open(io.BytesIO(threaded)).tobytes() == bytes(image.data)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=12), st.integers(1, 200))
def test_the_deflater_gives_one_zlib_stream_of_all_its_writes_however_they_are_cut(writes, piece_bytes):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("cutout.encode.PIECE_BYTES", piece_bytes)
        deflater = ZlibDeflater()
        for data in writes:
            deflater.write(data)
        stream = asyncio.run(deflater.finish())
    assert zlib.decompress(stream) == b"".join(writes)  # header, pieces and Adler-32 all checked


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 30), st.integers(1, 30), st.data())
def test_a_png_written_in_runs_of_rows_is_the_png_of_the_whole_picture(width, height, data):
    image = random_image(width, height)
    stride = width * 4
    cuts = sorted(data.draw(st.sets(st.integers(1, height - 1), max_size=height - 1)) if height > 1 else [])
    deflater = ZlibDeflater()
    writer = PngWriter(width, height, deflater, RUNTIME)
    for top, end in zip([0, *cuts], [*cuts, height]):
        asyncio.run(writer.add_rows(image.data[top * stride:end * stride]))
    assert writer.file(deflater.stream()) == png_of(image)


def test_the_png_writer_refuses_part_rows_extra_rows_and_a_file_short_of_rows():
    writer = PngWriter(3, 2, ZlibDeflater(), RUNTIME)
    with pytest.raises(ValueError, match="not whole rows"):
        asyncio.run(writer.add_rows(bytes(13)))
    asyncio.run(writer.add_rows(bytes(12)))
    with pytest.raises(ValueError, match="not whole rows"):
        asyncio.run(writer.add_rows(bytes(24)))
    with pytest.raises(ValueError, match="1 of its 2 rows"):
        writer.file(b"")


def test_straight_alpha_keeps_colour_under_zero_alpha():
    image = RGBAImage(2, 1, bytes([200, 10, 20, 0, 1, 2, 3, 128]))
    decoded = Image.open(io.BytesIO(png_of(image)))
    assert decoded.getpixel((0, 0)) == (200, 10, 20, 0)
    assert decoded.getpixel((1, 0)) == (1, 2, 3, 128)


@pytest.mark.parametrize("corrupt", [
    lambda png: png[:-20],                                   # truncated
    lambda png: b"\x00" + png[1:],                           # bad signature
    lambda png: png[:40] + bytes([png[40] ^ 0xFF]) + png[41:],  # flipped bit inside IDAT → CRC
])
def test_verification_rejects_damaged_files(corrupt):
    image = random_image(16, 9)
    with pytest.raises(EncodeFailure):
        verify(corrupt(png_of(image)), image)


def test_verification_rejects_a_valid_png_of_other_pixels():
    image = random_image(16, 9)
    other = random_image(16, 9)
    with pytest.raises(EncodeFailure, match="differs"):
        verify(png_of(other), image)


def test_verification_names_the_first_row_that_decodes_differently():
    image = random_image(16, 9)
    changed = bytearray(image.data)
    changed[5 * 16 * 4 + 7] ^= 1  # one byte of row 5: its scanline and row 6's (filtered by it) differ
    with pytest.raises(EncodeFailure, match="at row 5$"):
        verify(png_of(RGBAImage(16, 9, bytes(changed))), image)


def _pixel_data(png: bytes) -> bytes:
    idat, offset = b"", len(PNG_SIGNATURE)
    while offset < len(png):
        length, kind = int.from_bytes(png[offset:offset + 4], "big"), png[offset + 4:offset + 8]
        idat += png[offset + 8:offset + 8 + length] if kind == b"IDAT" else b""
        offset += 12 + length
    return zlib.decompress(idat)


def test_every_scanline_is_filtered_by_up_and_a_photo_deflates_far_smaller_for_it():
    image = photo_image()
    stride = image.width * 4
    png = png_of(image)
    scanlines = _pixel_data(png)
    assert scanlines[::stride + 1] == bytes([2]) * image.height
    unfiltered = b"".join(b"\x00" + image.data[row * stride:(row + 1) * stride] for row in range(image.height))
    # Measured 20 % smaller on this opaque photo (cutouts gain more: their alpha deflates well either way).
    assert len(png) < 0.9 * len(zlib.compress(unfiltered, LEVEL))


def test_verification_rejects_a_png_of_another_size():
    with pytest.raises(EncodeFailure, match="expected 16×9"):
        verify(png_of(random_image(9, 16)), random_image(16, 9))


def test_the_encode_fault_switch_is_caught_by_verification_and_nothing_is_returned():
    image = RGBAImage(32, 8, bytes(range(256)) * 4)
    with pytest.raises(EncodeFailure, match="the exported PNG failed its check and was not saved"):
        verified_png_of(image, fault="encode")
    assert verified_png_of(image) == png_of(image)


@pytest.mark.parametrize("image_type", [sniff.PNG, sniff.JPEG, sniff.WEBP], ids=lambda kind: kind.name)
def test_the_encode_fault_switch_reaches_every_export_format_and_verification_refuses_it(image_type):
    from cutout.decode import PillowDecoder
    from cutout.native import PillowEncoder

    image = photo_image()  # opaque and photographic, as a flattened export is
    encode = functools.partial(encode_verified, image, image_type, quality=90, encoder=PillowEncoder(), decoder=PillowDecoder(),
                               runtime=RUNTIME)
    assert asyncio.run(encode(fault=""))
    with pytest.raises(EncodeFailure):
        asyncio.run(encode(fault="encode"))
