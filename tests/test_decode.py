import asyncio
import os
import subprocess
import sys
from pathlib import Path

import imagefiles
import pytest
from imagefiles import BLUE, GREEN, MARKED_SIZE, MARKER, RED, forged_header
from PIL import Image

import cutout
from cutout.decode import PillowDecoder, decode_image, resize_image
from cutout.errors import CorruptImage, ImageTooLarge
from cutout.image import RGBAImage
from cutout.sniff import IMAGE_TYPES, sniff

SAMPLES = imagefiles.samples()
LOSSY = ("jpeg", "webp", "avif", "heic")


def decode(data: bytes) -> RGBAImage:
    return asyncio.run(PillowDecoder().decode(data, sniff(data)))


def pixel(image: RGBAImage, x: int, y: int) -> tuple[int, int, int, int]:
    start = (y * image.width + x) * 4
    return tuple(image.data[start : start + 4])


def assert_close(actual, expected, tolerance):
    assert all(abs(a - e) <= tolerance for a, e in zip(actual, expected)), f"{actual} is not within {tolerance} of {expected}"


MARKER_CENTRE = MARKER // 2
# Where the red (stored top-left) and green (stored top-right) squares are seen, by EXIF orientation.
SEEN_CORNERS = {
    1: ("top-left", "top-right"),
    2: ("top-right", "top-left"),
    3: ("bottom-right", "bottom-left"),
    4: ("bottom-left", "bottom-right"),
    5: ("top-left", "bottom-left"),
    6: ("top-right", "bottom-right"),
    7: ("bottom-right", "top-right"),
    8: ("bottom-left", "top-left"),
}


def corner(image: RGBAImage, name: str) -> tuple[int, int, int, int]:
    """The pixel at the centre of the marker square in the named corner."""
    vertical, horizontal = name.split("-")
    x = MARKER_CENTRE if horizontal == "left" else image.width - 1 - MARKER_CENTRE
    y = MARKER_CENTRE if vertical == "top" else image.height - 1 - MARKER_CENTRE
    return pixel(image, x, y)


MARKED = [name for name, sample in SAMPLES.items() if sample.marked_mode]


@pytest.mark.parametrize("name", MARKED)
def test_marked_pictures_decode_to_their_colours(name):
    sample = SAMPLES[name]
    image = decode(sample.data)
    assert (image.width, image.height) == MARKED_SIZE
    reference = imagefiles.marked_picture(sample.marked_mode).convert("RGBA")
    tolerance = 12 if sample.key in LOSSY else 1
    for x, y in [(MARKER_CENTRE, MARKER_CENTRE), (MARKED_SIZE[0] - 1 - MARKER_CENTRE, MARKER_CENTRE), (32, 30)]:
        assert_close(pixel(image, x, y), reference.getpixel((x, y)), tolerance)


def test_cmyk_jpeg_is_not_inverted():
    image = decode(SAMPLES["jpeg_cmyk"].data)
    assert_close(corner(image, "top-left"), (*RED, 255), 12)
    assert_close(pixel(image, 32, 30), (*BLUE, 255), 12)


def test_palette_transparency_becomes_alpha():
    image = decode(SAMPLES["png_palette_transparent_green"].data)
    assert corner(image, "top-left") == (*RED, 255)
    assert corner(image, "top-right")[3] == 0
    assert pixel(image, 32, 30) == (*BLUE, 255)


@pytest.mark.parametrize("name", ["png_16bit_grey", "tiff_16bit_big_endian"])
def test_16_bit_grey_is_scaled_not_clipped(name):
    image = decode(SAMPLES[name].data)
    assert [pixel(image, x, 0) for x in range(256)] == [(x, x, x, 255) for x in range(256)]


def test_16_bit_grey_transparency_becomes_alpha():
    image = decode(SAMPLES["png_16bit_grey_transparent"].data)
    assert [x for x in range(256) if pixel(image, x, 0)[3] != 255] == [10]
    assert pixel(image, 10, 0)[3] == 0


def test_16_bit_rgb_keeps_its_colours():
    image = decode(SAMPLES["png_16bit_rgb"].data)
    assert_close(pixel(image, 0, 0), (255, 128, 1, 255), 1)  # from 65535, 32768, 256
    assert_close(pixel(image, 1, 0), (0, 255, 4, 255), 1)  # from 0, 65535, 1000


@pytest.mark.parametrize("name", [name for name, sample in SAMPLES.items() if sample.animated])
def test_animations_decode_their_first_frame(name):
    image = decode(SAMPLES[name].data)
    assert (image.width, image.height) == (24, 16)
    for x, y in [(0, 0), (23, 15), (12, 8)]:
        assert_close(pixel(image, x, y), (*RED, 255), 12)


@pytest.mark.parametrize("pillow_format, orientation", imagefiles.ORIENTED_FILES)
def test_orientation_puts_the_markers_where_they_are_seen(pillow_format, orientation):
    image = decode(imagefiles.with_orientation(pillow_format, orientation))
    assert (image.width, image.height) == (MARKED_SIZE[::-1] if orientation >= 5 else MARKED_SIZE)
    red_corner, green_corner = SEEN_CORNERS[orientation]
    assert_close(corner(image, red_corner), (*RED, 255), 12)
    assert_close(corner(image, green_corner), (*GREEN, 255), 12)


def test_a_jpeg_named_png_decodes_as_the_jpeg_it_is(tmp_path):
    path = tmp_path / "holiday.png"
    path.write_bytes(SAMPLES["jpeg_baseline"].data)
    image = decode(path.read_bytes())
    assert_close(corner(image, "top-left"), (*RED, 255), 12)


TRUNCATABLE = [name for name, sample in SAMPLES.items() if sample.frames == 1]


@pytest.mark.parametrize("name", TRUNCATABLE)
def test_truncated_files_are_corrupt_and_named(name):
    sample = SAMPLES[name]
    image_type = IMAGE_TYPES[sample.key]
    with pytest.raises(CorruptImage, match=f"^the {image_type.name} file is (damaged|truncated)"):
        decode_image(sample.data[: len(sample.data) // 2], image_type)


@pytest.mark.parametrize("key", sorted(IMAGE_TYPES))
def test_a_valid_header_over_garbage_is_corrupt(key):
    data = forged_header(key, 64, 64) + bytes(range(7, 250, 3))
    image_type = IMAGE_TYPES[key]
    with pytest.raises(CorruptImage, match=f"^the {image_type.name} file is (damaged|truncated)"):
        decode(data)


@pytest.mark.parametrize("key", sorted(IMAGE_TYPES))
def test_a_bomb_is_refused_before_pillow_opens_it(key, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("Pillow was asked to open a decompression bomb")

    monkeypatch.setattr(Image, "open", refuse)
    side = min(100_000, imagefiles.MAX_SIDE_IN_HEADER[key])
    with pytest.raises(ImageTooLarge, match="limit of 50 megapixels"):
        decode(forged_header(key, side, side))


def test_resize_is_a_smooth_downscale_without_dark_fringes():
    # Transparent black on the left, opaque white on the right: straight-alpha averaging would grey the edge.
    source = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    source.paste((255, 255, 255, 255), (32, 0, 64, 64))
    image = RGBAImage(64, 64, source.tobytes())
    small = asyncio.run(PillowDecoder().resize(image, 16, 16))
    assert (small.width, small.height, len(small.data)) == (16, 16, 16 * 16 * 4)
    visible = [pixel(small, x, y) for y in range(16) for x in range(16) if pixel(small, x, y)[3] > 8]
    assert visible and all(min(colour[:3]) >= 240 for colour in visible)
    assert any(0 < pixel(small, x, 8)[3] < 255 for x in range(16))  # the edge is blended, not cut


def test_resize_keeps_colours():
    image = decode(SAMPLES["png_rgba"].data)
    half = resize_image(image, 32, 20)
    assert_close(pixel(half, 3, 3), (*RED, 255), 2)
    assert_close(pixel(half, 16, 16), (*BLUE, 255), 2)


def test_only_the_standard_library_is_imported_by_sniff_and_limits():
    """Pyodide has no Pillow or numpy: cutout.sniff and cutout.limits must not need them, nor cutout.decode at import."""
    probe = (
        "import sys; before = set(sys.modules)\n"
        "import cutout.sniff, cutout.limits, cutout.decode\n"
        "outside = {name.split('.')[0] for name in set(sys.modules) - before} - set(sys.stdlib_module_names) - {'cutout'}\n"
        "assert not outside, outside\n"
    )
    package_root = str(Path(cutout.__file__).parents[1])
    subprocess.run([sys.executable, "-c", probe], check=True, env={**os.environ, "PYTHONPATH": package_root})
