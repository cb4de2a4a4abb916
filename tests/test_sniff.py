import gzip
import io
import zipfile

import imagefiles
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cutout.errors import CorruptImage, CutoutError, UnsupportedFormat
from cutout.sniff import IMAGE_TYPES, SUPPORTED_FORMATS, sniff

SAMPLES = imagefiles.samples()


def iso_media(major: bytes, *compatible: bytes) -> bytes:
    return imagefiles.box(b"ftyp", major + bytes(4) + b"".join(compatible)) + imagefiles.box(b"mdat", bytes(16))


def zip_archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photo.png", b"not really")
    return buffer.getvalue()


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_is_told_by_its_bytes(name):
    sample = SAMPLES[name]
    assert sniff(sample.data).key == sample.key


def test_image_types_describe_themselves():
    assert list(IMAGE_TYPES) == ["png", "jpeg", "webp", "avif", "heic", "gif", "bmp", "tiff"]
    for key, image_type in IMAGE_TYPES.items():
        assert image_type.key == key
        assert image_type.mime.startswith("image/")
        assert image_type.label == f"{image_type.name} image"
    assert IMAGE_TYPES["jpeg"].mime == "image/jpeg"
    assert SUPPORTED_FORMATS == "PNG, JPEG, WebP, AVIF, HEIC, GIF, BMP and TIFF"


def test_a_jpeg_named_png_is_a_jpeg(tmp_path):
    path = tmp_path / "photo.png"
    path.write_bytes(SAMPLES["jpeg_baseline"].data)
    assert sniff(path.read_bytes()).key == "jpeg"


def test_an_empty_file_is_corrupt():
    with pytest.raises(CorruptImage, match=r"^the file is empty \(0 bytes\)$"):
        sniff(b"")


@pytest.mark.parametrize(
    "brands, key",
    [
        ((b"avif", b"mif1", b"miaf"), "avif"),
        ((b"mif1", b"avif"), "avif"),
        ((b"avis", b"msf1"), "avif"),
        ((b"heic", b"mif1", b"heic"), "heic"),
        ((b"mif1", b"heic"), "heic"),
        ((b"msf1", b"hevc"), "heic"),
        ((b"mif1",), "heic"),
        ((b"heic", b"avif"), "avif"),  # an AVIF brand wins over the HEIF ones
    ],
)
def test_iso_media_brands_tell_avif_from_heic(brands, key):
    assert sniff(iso_media(brands[0], *brands)).key == key


@pytest.mark.parametrize(
    "data, what",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "this is a PDF document, not an image"),
        (zip_archive(), "this is a ZIP archive"),
        (gzip.compress(b"<svg/>"), "this is a GZIP-compressed file, not an image"),
        (b"Rar!\x1a\x07\x01\x00", "this is a RAR archive, not an image"),
        (iso_media(b"isom", b"isom", b"avc1", b"mp41"), "this is an MP4 video (brand 'isom'), not an image"),
        (iso_media(b"qt  ", b"qt  "), "this is a QuickTime video, not an image"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01", "this is a Matroska or WebM video, not an image"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "this is a WAV audio file, not an image"),
        (b"hello, world\nthis is a note\n", "this is a plain text file, not an image"),
        (b"\xef\xbb\xbf" + "naïve café ".encode() * 400, "this is a plain text file, not an image"),
        (b'<?xml version="1.0"?>\n<!-- drawn by hand -->\n<svg xmlns="http://www.w3.org/2000/svg"/>', "this is an SVG drawing"),
        (b"<svg width='10' height='10'></svg>", "which Cutout cannot read; convert it to PNG or JPEG first"),
        (b"<?xml version='1.0'?><note>hi</note>", "this is an XML document, not an image"),
        (b"<!DOCTYPE html>\n<html><body>", "this is an HTML page, not an image"),
        (b"\xff\x0a\xfa\x7f\x01\x90", "this is a JPEG XL image, which Cutout cannot read"),
        (b"\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a\x00\x00\x00\x14ftypjxl ", "this is a JPEG XL image"),
        (imagefiles.encode(imagefiles.marked_picture(), "JPEG2000"), "this is a JPEG 2000 image"),
        (b"8BPS\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03", "this is a Photoshop document (PSD)"),
        (imagefiles.encode(imagefiles.marked_picture(), "ICO"), "this is a Windows icon (ICO/CUR)"),
        (imagefiles.encode(imagefiles.marked_picture(), "PPM"), "this is a Netpbm image"),
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00", "this is a Canon CR2 raw photo"),
        (b"II+\x00\x08\x00\x00\x00", "this is a BigTIFF image"),
        (iso_media(b"crx ", b"crx ", b"isom"), "this is a Canon CR3 raw photo"),
    ],
)
def test_known_files_that_are_not_readable_images_are_named(data, what):
    with pytest.raises(UnsupportedFormat) as refused:
        sniff(data)
    assert what in refused.value.message
    assert f"Cutout reads {SUPPORTED_FORMATS}" in refused.value.message
    assert refused.value.code == "unsupported-format"


def test_an_unknown_file_shows_its_first_bytes():
    with pytest.raises(UnsupportedFormat) as refused:
        sniff(bytes(range(1, 40)))
    assert refused.value.message.startswith(
        "this is not a recognised image: it starts with the bytes 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10,"
    )


def test_bm_text_is_not_a_bmp():
    with pytest.raises(UnsupportedFormat, match="plain text file"):
        sniff(b"BMW and Audi: a comparison of two cars\n")


@given(st.binary(max_size=600))
def test_arbitrary_bytes_raise_only_cutout_errors(data):
    try:
        sniff(data)
    except CutoutError:
        pass
