"""Native decoding: any supported file to straight 8-bit RGBA, the EXIF orientation applied.

Native only. Pillow (and pillow-heif for HEIC) is imported inside functions so that importing
`cutout` never needs it: Pyodide has no Pillow, and decodes in the browser instead.
"""

import asyncio
import functools
import io

from .errors import CorruptImage, ImageTooLarge, UnsupportedFormat
from .image import RGBAImage
from .limits import MAX_PIXELS, check, read_header
from .sniff import ImageType

# Pillow's plugin for each format; restricting Image.open to it keeps any other parser away from the bytes.
_PILLOW_FORMATS = {
    "png": "PNG",
    "jpeg": "JPEG",
    "webp": "WEBP",
    "avif": "AVIF",
    "heic": "HEIF",
    "gif": "GIF",
    "bmp": "BMP",
    "tiff": "TIFF",
}

_EXIF_ORIENTATION = 0x0112


class PillowDecoder:
    """The Decoder of runtime.py for native runs; the work runs in a thread so the event loop keeps reporting progress."""

    async def decode(self, data: bytes, image_type: ImageType) -> RGBAImage:
        return await asyncio.to_thread(decode_image, data, image_type)

    async def resize(self, image: RGBAImage, width: int, height: int) -> RGBAImage:
        return await asyncio.to_thread(resize_image, image, width, height)


def decode_image(data: bytes, image_type: ImageType) -> RGBAImage:
    """The first frame of `data` as straight RGBA, oriented as its EXIF (or HEIF transforms) say."""
    check(read_header(data, image_type))  # before Pillow allocates anything
    Image = _pillow(image_type)
    try:
        with Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[image_type.key]]) as picture:
            rgba = _in_srgb(_to_rgba(picture), picture.info.get("icc_profile"))
            orientation = _orientation(picture)
    except Image.DecompressionBombError as error:  # only where Pillow sees a larger picture than the header says
        raise ImageTooLarge(
            f"the {image_type.name} picture decodes to more than Cutout's limit of {MAX_PIXELS // 1_000_000} megapixels; "
            "downscale it or split it into parts, then try again"
        ) from error
    except Exception as error:  # Pillow's plugins raise OSError, SyntaxError, ValueError, EOFError, ... on bad data
        raise CorruptImage(f"the {image_type.name} file is damaged or truncated: {_reason(error, image_type)}") from error
    if orientation in _TRANSPOSE_NAMES:
        rgba = rgba.transpose(getattr(Image.Transpose, _TRANSPOSE_NAMES[orientation]))
    return RGBAImage(rgba.width, rgba.height, rgba.tobytes())


def resize_image(image: RGBAImage, width: int, height: int) -> RGBAImage:
    """A Lanczos-filtered copy at `width`×`height`; Pillow weights colour by alpha, so no dark fringes appear."""
    from PIL import Image

    source = Image.frombuffer("RGBA", (image.width, image.height), image.data, "raw", "RGBA", 0, 1)
    # reducing_gap first shrinks by a whole factor with a box filter: much faster, and no visible difference.
    resized = source.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return RGBAImage(width, height, resized.tobytes())


# EXIF orientation → the Pillow transpose that shows the picture upright.
_TRANSPOSE_NAMES = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}


def _pillow(image_type: ImageType):
    """PIL.Image, with a plugin for `image_type` registered and Pillow's own bomb limit behind ours."""
    from PIL import Image

    # Pillow warns above this and refuses above twice it; `check` has already refused anything over it.
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    Image.init()
    if _PILLOW_FORMATS[image_type.key] not in Image.OPEN:
        _register_pillow_heif(image_type)
    return Image


def _register_pillow_heif(image_type: ImageType) -> None:
    try:
        import pillow_heif
    except ImportError:
        raise UnsupportedFormat(
            f"reading {image_type.name} here needs the pillow-heif package (pip install pillow-heif)"
        ) from None
    if image_type.key == "heic":
        pillow_heif.register_heif_opener()
    elif hasattr(pillow_heif, "register_avif_opener"):  # older pillow-heif releases; recent Pillow reads AVIF itself
        pillow_heif.register_avif_opener()
    else:
        raise UnsupportedFormat(f"reading {image_type.name} here needs a Pillow built with AVIF support (pip install --upgrade pillow)")


def _to_rgba(picture):
    """Straight 8-bit RGBA of every mode Pillow decodes to."""
    if picture.mode.startswith("I;16"):
        return _sixteen_bit_grey_to_rgba(picture)
    # Pillow applies palette and grey transparency (tRNS) and inverts Adobe CMYK on its own.
    return picture.convert("RGBA")


def _in_srgb(rgba, icc_profile: bytes | None):
    """`rgba` converted from the colours of its embedded RGB profile to sRGB, as browsers show it.

    A profile that is not RGB (grey, CMYK: Pillow's own conversion already stands) or that
    LittleCMS cannot read leaves the pixels as they are, as browsers ignore a broken profile.
    """
    if not icc_profile:
        return rgba
    from PIL import ImageCms

    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        if profile.profile.xcolor_space.strip() != "RGB":
            return rgba
        return ImageCms.profileToProfile(rgba, profile, ImageCms.createProfile("sRGB"), outputMode="RGBA")
    except (OSError, ImageCms.PyCMSError):
        return rgba


def _sixteen_bit_grey_to_rgba(picture):
    """16-bit grey scaled onto 0–255; Pillow's own convert would clip everything above 255 to white."""
    from PIL import Image

    wide = picture.convert("I")
    grey = wide.point(_sixteen_to_eight_bit_table(), "L")
    transparent = picture.info.get("transparency")
    if isinstance(transparent, int):
        alpha = wide.point(_transparent_value_table(transparent), "L")
    else:
        alpha = Image.new("L", picture.size, 255)
    return Image.merge("RGBA", (grey, grey, grey, alpha))


@functools.cache
def _sixteen_to_eight_bit_table() -> tuple[int, ...]:
    return tuple((value + 128) // 257 for value in range(65536))  # round(value × 255 / 65535)


def _transparent_value_table(transparent: int) -> list[int]:
    return [0 if value == transparent else 255 for value in range(65536)]


def _orientation(picture) -> int:
    try:
        return picture.getexif().get(_EXIF_ORIENTATION, 1)
    except Exception:  # a broken EXIF block must not cost the picture; browsers ignore it too
        return 1


def _reason(error: Exception, image_type: ImageType) -> str:
    from PIL import UnidentifiedImageError

    if isinstance(error, UnidentifiedImageError):  # its message names a BytesIO object, of no use to people
        return f"its data after the {image_type.name} signature is not valid {image_type.name}"
    return str(error).strip() or type(error).__name__
