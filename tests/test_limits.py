import struct

import imagefiles
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from imagefiles import MARKED_SIZE, forged_header, full_box, heif_file, ispe, jpeg_segment

from cutout.errors import CorruptImage, CutoutError, ImageTooLarge
from cutout.limits import MAX_PIXELS, MAX_SIDE, Header, check, fit_within_limits, read_header
from cutout.sniff import IMAGE_TYPES, sniff

SAMPLES = imagefiles.samples()


def header_of(data: bytes) -> Header:
    return read_header(data, sniff(data))


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_header(name):
    sample = SAMPLES[name]
    assert header_of(sample.data) == Header(sample.width, sample.height, sample.animated, sample.frames, sample.orientation)


@pytest.mark.parametrize("pillow_format, orientation", imagefiles.ORIENTED_FILES)
def test_orientation_is_read_from_the_header(pillow_format, orientation):
    header = header_of(imagefiles.with_orientation(pillow_format, orientation))
    assert (header.width, header.height, header.orientation) == (*MARKED_SIZE, orientation)
    turned = orientation >= 5
    assert header.display_size == (MARKED_SIZE[::-1] if turned else MARKED_SIZE)


@given(key=st.sampled_from(sorted(IMAGE_TYPES)), data=st.data())
def test_forged_headers_give_their_size_and_check_judges_it(key, data):
    side = st.integers(1, imagefiles.MAX_SIDE_IN_HEADER[key])
    width, height = data.draw(side), data.draw(side)
    header = header_of(forged_header(key, width, height))
    assert (header.width, header.height) == (width, height)
    if width * height <= MAX_PIXELS and max(width, height) <= MAX_SIDE:
        assert check(header) is header
    else:
        with pytest.raises(ImageTooLarge):
            check(header)


@pytest.mark.parametrize("key", sorted(IMAGE_TYPES))
def test_a_bomb_header_is_refused_with_its_size_and_a_way_forward(key):
    side = min(100_000, imagefiles.MAX_SIDE_IN_HEADER[key])
    with pytest.raises(ImageTooLarge) as refused:
        check(header_of(forged_header(key, side, side)))
    message = refused.value.message
    assert f"{side}×{side} pixels ({side * side / 1e6:.1f} megapixels)" in message
    assert "limit of 50 megapixels" in message
    assert "downscale it to at most 7071×7071 pixels or split it into parts" in message


def test_check_limits():
    assert check(Header(10_000, 5_000))  # exactly 50 megapixels
    with pytest.raises(ImageTooLarge):
        check(Header(10_000, 5_001))
    with pytest.raises(ImageTooLarge, match=r"^the image is 40000×100 pixels \(4\.0 megapixels\) and its longer side is over Cutout's limit of 32767 pixels; downscale it to at most 32767×81 pixels"):
        check(Header(40_000, 100))
    with pytest.raises(CorruptImage, match=r"^the file's header gives a picture size of 0×480 pixels, which is impossible"):
        check(Header(0, 480))


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_fit_within_limits_passes_check_and_keeps_proportions(width, height):
    fit_width, fit_height = fit_within_limits(width, height)
    check(Header(fit_width, fit_height))
    assert fit_width <= width and fit_height <= height
    scale = max(fit_width, fit_height) / max(width, height)
    assert abs(fit_width - width * scale) <= 1 and abs(fit_height - height * scale) <= 1


@pytest.mark.parametrize(
    "data, message",
    [
        (SAMPLES["png_rgba"].data[:12], "the PNG file is truncated: it ends before its header"),
        (b"\x89PNG\r\n\x1a\n" + imagefiles.png_chunk(b"tEXt", b"a") * 2, "the PNG file is damaged: it does not start with an IHDR header chunk"),
        (b"\xff\xd8" + jpeg_segment(0xC4, bytes(20)), "the JPEG file is truncated: it ends before its frame header (SOF)"),
        (b"\xff\xd8\xff\xc0\x00\x11\x08\x00", "the JPEG file is truncated: it ends before the end of its frame header (SOF)"),
        (b"\xff\xd8" + jpeg_segment(0xDA, bytes(10)), "the JPEG file is damaged: its image data comes before any frame header (SOF) giving its size"),
        (b"GIF89a\x10\x00", "the GIF file is truncated: it ends before its logical screen descriptor"),
        (b"GIF89a\x10\x00\x10\x00\x00\x00\x00\x21\xf9\x04", "the GIF file is truncated: it ends before the end of a data block"),
        (b"GIF89a\x10\x00\x10\x00\x00\x00\x00\x3b", "the GIF file is damaged: it holds no image"),
        (forged_header("webp", 9, 9)[:24], "the WebP file is truncated: it ends before its VP8X header"),
        (b"RIFF\x10\x00\x00\x00WEBPABCD\x00\x00", "the WebP file is damaged: its first chunk is 'ABCD', not VP8, VP8L or VP8X"),
        (b"II*\x00\x08\x00", "the TIFF file is truncated: it ends before its header"),
        (b"II*\x00\x08\x00\x00\x00\x02\x00" + bytes(12), "the TIFF file is truncated: it ends before the end of its first image directory"),
        (b"MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00", "the TIFF file is damaged: its first image directory does not give the picture size"),
        (forged_header("heic", 9, 9)[:60], "the HEIC file is truncated: it ends before the end of its 'meta' box"),
        (heif_file([b"heic"], {1: [full_box(b"hvcC", b"")]}, primary=1), "the HEIC file is damaged: it does not record its picture size (no 'ispe' property)"),
        (imagefiles.box(b"ftyp", b"avif" + bytes(4)) + imagefiles.box(b"mdat", b""), "the AVIF file is damaged: it has no 'meta' box describing its picture"),
    ],
)
def test_truncated_or_inconsistent_headers_are_corrupt(data, message):
    with pytest.raises(CorruptImage) as refused:
        header_of(data)
    assert refused.value.message == message


def test_bmp_with_an_unknown_header_size_is_corrupt():
    data = forged_header("bmp", 4, 4)[:14] + struct.pack("<I", 20) + bytes(20)
    with pytest.raises(CorruptImage, match="^the BMP file is damaged: its header has an unknown size \\(20 bytes\\)$"):
        read_header(data, IMAGE_TYPES["bmp"])


def test_jpeg_stray_and_fill_bytes_before_the_frame_header_are_skipped():
    forged = forged_header("jpeg", 300, 200)
    after_first_segment = 2 + len(jpeg_segment(0xC4, bytes(17)))
    data = forged[:after_first_segment] + b"\x00junk\xff\xff" + forged[after_first_segment:]
    assert header_of(data) == Header(300, 200)


def test_bmp_stored_top_down_reports_a_positive_height():
    data = forged_header("bmp", 30, 20)
    top_down = data[:22] + struct.pack("<i", -20) + data[26:]
    assert header_of(top_down) == Header(30, 20)


def test_gif_first_frame_overhanging_the_screen_grows_the_size():
    data = forged_header("gif", 10, 10)
    overhanging = data[:13] + b"\x2c" + struct.pack("<HHHHB", 5, 6, 10, 10, 0) + data[23:]
    assert header_of(overhanging) == Header(15, 16)


def test_heif_size_is_the_primary_items_even_when_another_is_larger():
    data = heif_file([b"heic", b"mif1"], {1: [ispe(4000, 3000)], 2: [ispe(640, 480)]}, primary=2)
    assert header_of(data) == Header(640, 480)


def test_heif_without_a_primary_item_takes_the_largest_size():
    data = heif_file([b"heic", b"mif1"], {1: [ispe(640, 480)], 2: [ispe(4000, 3000)], 3: [ispe(160, 120)]}, primary=None)
    assert header_of(data) == Header(4000, 3000)


def test_heif_clean_aperture_crops_but_cannot_hide_a_bomb():
    clean_aperture = imagefiles.box(b"clap", struct.pack(">8I", 48, 1, 32, 1, 0, 1, 0, 1))
    padded = heif_file([b"heic"], {1: [ispe(64, 64), clean_aperture]}, primary=1)
    assert header_of(padded) == Header(48, 32)
    bomb = heif_file([b"heic"], {1: [ispe(100_000, 100_000), clean_aperture]}, primary=1)
    with pytest.raises(ImageTooLarge):
        check(header_of(bomb))


def test_avif_sequence_without_a_still_picture_takes_its_track_size():
    assert header_of(imagefiles.image_sequence(320, 240)) == Header(320, 240, animated=True, frames=None)


SIGNATURES = [forged_header(key, 7, 5) for key in sorted(IMAGE_TYPES)] + [sample.data for sample in SAMPLES.values()]


@settings(max_examples=300)
@given(st.sampled_from(SIGNATURES), st.data())
def test_damaged_files_raise_only_cutout_errors(original, data):
    """Cut, overwritten or extended, a file gives a header or a CutoutError: never IndexError, struct.error, ..."""
    start = data.draw(st.integers(0, len(original)))
    damaged = data.draw(
        st.one_of(
            st.just(original[:start]),
            st.binary(min_size=1, max_size=8).map(lambda patch: original[:start] + patch + original[start + len(patch) :]),
            st.binary(max_size=64).map(lambda tail: original[:start] + tail),
        )
    )
    try:
        check(header_of(damaged))
    except CutoutError:
        pass


@given(st.binary(max_size=400))
def test_arbitrary_bytes_raise_only_cutout_errors(data):
    for image_type in IMAGE_TYPES.values():
        try:
            read_header(data, image_type)
        except CutoutError:
            pass
