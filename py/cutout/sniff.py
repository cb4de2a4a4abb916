"""Which image format a file holds, told by its first bytes and never by its name.

Pure standard library: it runs in Pyodide before any decoder is chosen. A file that is
not one of the eight formats Cutout reads is refused with a message naming what it is.
"""

import re
from dataclasses import dataclass

from .errors import CorruptImage, UnsupportedFormat


@dataclass(frozen=True)
class ImageType:
    key: str  # stable identifier for programs: "png", "jpeg", ...
    name: str  # the format as people write it: "PNG", "WebP"
    mime: str
    label: str  # "PNG image"


PNG = ImageType("png", "PNG", "image/png", "PNG image")
JPEG = ImageType("jpeg", "JPEG", "image/jpeg", "JPEG image")
WEBP = ImageType("webp", "WebP", "image/webp", "WebP image")
AVIF = ImageType("avif", "AVIF", "image/avif", "AVIF image")
HEIC = ImageType("heic", "HEIC", "image/heic", "HEIC image")
GIF = ImageType("gif", "GIF", "image/gif", "GIF image")
BMP = ImageType("bmp", "BMP", "image/bmp", "BMP image")
TIFF = ImageType("tiff", "TIFF", "image/tiff", "TIFF image")

IMAGE_TYPES = {image_type.key: image_type for image_type in (PNG, JPEG, WEBP, AVIF, HEIC, GIF, BMP, TIFF)}

_NAMES = [image_type.name for image_type in IMAGE_TYPES.values()]
SUPPORTED_FORMATS = ", ".join(_NAMES[:-1]) + " and " + _NAMES[-1]

# DIB header sizes Pillow and browsers read; "BM" alone is too common a start of text to trust.
BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)

_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}

# Enough for magic numbers, an ftyp brand list, and an SVG root element behind an XML prolog.
_HEAD_SIZE = 4096


def _compiled(table):
    return [(re.compile(pattern, re.DOTALL), value) for pattern, value in table]


_SIGNATURES = _compiled([
    (rb"\x89PNG\r\n\x1a\n", PNG),
    (rb"\xff\xd8\xff", JPEG),
    (rb"GIF8[79]a", GIF),
    (rb"RIFF.{4}WEBP", WEBP),
    # A Canon CR2 raw photo is a TIFF whose first directory holds only a preview: not the photo.
    (rb"II\*\x00(?!.{4}CR\x02)|MM\x00\*", TIFF),
])

# Formats people drop on Cutout by mistake. An image format gets advice to convert it;
# anything else is simply "not an image".
_OTHER_IMAGES = _compiled([
    (rb"\xff\x0a|\x00\x00\x00\x0cJXL \x0d\x0a\x87\x0a", "a JPEG XL image"),
    (rb"\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a|\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (rb"8BPS", "a Photoshop document (PSD)"),
    (rb"\x00\x00[\x01\x02]\x00[^\x00]", "a Windows icon (ICO/CUR)"),
    (rb"II\*\x00.{4}CR\x02", "a Canon CR2 raw photo"),
    (rb"IIRO|IIRS|IIU\x00|FUJIFILMCCD-RAW", "a camera raw photo"),
    (rb"II\+\x00|MM\x00\+", "a BigTIFF image"),
    (rb"qoif", "a QOI image"),
    (rb"v/1\x01", "an OpenEXR image"),
    (rb"#\?(RADIANCE|RGBE)", "a Radiance HDR image"),
    (rb"DDS \x7c\x00\x00\x00", "a DirectDraw Surface texture (DDS)"),
    (rb"P[1-7]\s+[0-9#]", "a Netpbm image (PBM/PGM/PPM)"),
    (rb"\xc5\xd0\xd3\xc6|%!PS-Adobe-[0-9.]+ EPSF", "an EPS drawing"),
])
_NOT_IMAGES = _compiled([
    (rb"%PDF-", "a PDF document"),
    (rb"%!PS", "a PostScript document"),
    (rb"PK(\x03\x04|\x05\x06|\x07\x08)", "a ZIP archive (or a document stored as one, such as DOCX or EPUB)"),
    (rb"\x1f\x8b", "a GZIP-compressed file"),
    (rb"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (rb"Rar!\x1a\x07", "a RAR archive"),
    (rb"\xfd7zXZ\x00", "an XZ-compressed file"),
    (rb"BZh[1-9]", "a BZIP2-compressed file"),
    (rb"\x28\xb5\x2f\xfd", "a Zstandard-compressed file"),
    (rb"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old-style Microsoft Office document"),
    (rb"SQLite format 3\x00", "an SQLite database"),
    (rb"\x1a\x45\xdf\xa3", "a Matroska or WebM video"),
    (rb"RIFF.{4}AVI ", "an AVI video"),
    (rb"RIFF.{4}WAVE", "a WAV audio file"),
    (rb"ID3|fLaC|OggS", "an audio file"),
    (rb"MZ(\x90\x00|P\x00)", "a Windows program"),
    (rb"\x7fELF", "a Linux program"),
    (rb"wOFF|wOF2|OTTO", "a font file"),
    (rb"\xff\xfe|\xfe\xff", "a UTF-16 text file"),
])

# ISO media brands that are neither AVIF nor HEIC: (what it is, whether it is an image).
_OTHER_ISO_MEDIA = {
    b"qt  ": ("a QuickTime video", False),
    b"M4A ": ("an MPEG-4 audio file", False),
    b"M4B ": ("an MPEG-4 audio book", False),
    b"crx ": ("a Canon CR3 raw photo", True),
    b"jxl ": ("a JPEG XL image", True),
}


def sniff(data: bytes) -> ImageType:
    """The format of `data`; raises UnsupportedFormat for anything Cutout does not read."""
    if len(data) == 0:
        raise CorruptImage("the file is empty (0 bytes)")
    head = bytes(data[:_HEAD_SIZE])
    for signature, image_type in _SIGNATURES:
        if signature.match(head):
            return image_type
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in BMP_HEADER_SIZES:
        return BMP
    if head[4:8] == b"ftyp" and len(head) >= 12:
        return _iso_media_type(head)
    raise UnsupportedFormat(_describe_unsupported(head))


def _iso_media_type(head: bytes) -> ImageType:
    """AVIF and HEIC share the ISO media container with MP4; the ftyp brands tell them apart."""
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    major = head[8:12]
    compatible = [head[offset : offset + 4] for offset in range(16, box_end - 3, 4)]
    brands = {major, *compatible}
    if brands & _AVIF_BRANDS:
        return AVIF
    if brands & _HEIF_BRANDS:
        return HEIC
    if major in _OTHER_ISO_MEDIA:
        raise UnsupportedFormat(_not_readable(*_OTHER_ISO_MEDIA[major]))
    what = "a 3GP video" if major.startswith(b"3g") else "an MP4 video"
    if major.isascii() and major.decode().isprintable():
        what += f" (brand '{major.decode()}')"
    raise UnsupportedFormat(_not_readable(what, is_image=False))


def _describe_unsupported(head: bytes) -> str:
    for signature, what in _OTHER_IMAGES:
        if signature.match(head):
            return _not_readable(what, is_image=True)
    for signature, what in _NOT_IMAGES:
        if signature.match(head):
            return _not_readable(what, is_image=False)
    text_kind = _text_kind(head)
    if text_kind:
        return _not_readable(*text_kind)
    first_bytes = " ".join(f"{byte:02x}" for byte in head[:16])
    return (
        f"this is not a recognised image: it starts with the bytes {first_bytes}, which match no image format; "
        f"Cutout reads {SUPPORTED_FORMATS}"
    )


def _not_readable(what: str, is_image: bool) -> str:
    if is_image:
        return f"this is {what}, which Cutout cannot read; convert it to PNG or JPEG first (Cutout reads {SUPPORTED_FORMATS})"
    return f"this is {what}, not an image; Cutout reads {SUPPORTED_FORMATS}"


def _text_kind(head: bytes) -> tuple[str, bool] | None:
    """What kind of text `head` starts and whether it is an image (SVG), or None when it is binary."""
    sample = head.removeprefix(b"\xef\xbb\xbf")
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may cut a multi-byte character in two; only an error before the last 3 bytes is binary.
        if error.start < len(sample) - 3:
            return None
        text = sample[: error.start].decode("utf-8")
    if any((character < " " and character not in "\t\n\r\f") or character == "\x7f" for character in text):
        return None
    start = text.lstrip().lower()
    if start.startswith("<") and "<svg" in start:
        return "an SVG drawing", True
    if start.startswith(("<!doctype html", "<html")):
        return "an HTML page", False
    if start.startswith("<?xml"):
        return "an XML document", False
    return "a plain text file", False
