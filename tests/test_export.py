"""The export stage natively: backgrounds through the flatten graph, PNG/JPEG/WebP verified by decoding back."""

import asyncio
import io

import numpy
import pytest
from PIL import Image

from cutout.decode import PillowDecoder
from cutout.errors import EncodeFailure
from cutout.export import export_cutout
from cutout.image import RGBAImage
from cutout.native import NativeRuntime, PillowEncoder
from cutout.sniff import PNG

RED = (255, 0, 0, 255)


def cutout_with_clear_border(width=64, height=48) -> RGBAImage:
    """A photo-like (smooth) opaque middle, a soft ring, and a clear border whose colour must never show."""
    rows, columns = numpy.indices((height, width))
    rgba = numpy.zeros((height, width, 4), dtype=numpy.uint8)
    rgba[..., 0], rgba[..., 1], rgba[..., 2] = columns * 255 // width, rows * 255 // height, 90
    rgba[8:-8, 8:-8, 3] = 128
    rgba[12:-12, 12:-12, 3] = 255
    return RGBAImage(width, height, rgba.tobytes())


def export(image, **options):
    return asyncio.run(export_cutout(image, runtime=NativeRuntime(), decoder=PillowDecoder(), encoder=PillowEncoder(),
                                     **options))


def pixels(data: bytes) -> numpy.ndarray:
    return numpy.asarray(Image.open(io.BytesIO(data)).convert("RGBA")).astype(int)


@pytest.mark.parametrize("format", ["png", "jpeg"])
def test_a_colour_background_fills_every_clear_pixel_and_the_result_is_opaque(format):
    exported = export(cutout_with_clear_border(), format=format, background=RED)
    out = pixels(exported.data)
    assert (out[..., 3] == 255).all()
    border = out[:4].reshape(-1, 4)
    assert numpy.abs(border - RED).max() <= (0 if format == "png" else 20)
    assert exported.mime == ("image/png" if format == "png" else "image/jpeg")


def test_jpeg_without_a_background_is_laid_on_white_and_says_so():
    exported = export(cutout_with_clear_border(), format="jpeg")
    assert exported.extension == "jpg" and "white" in exported.notices[0]
    assert numpy.abs(pixels(exported.data)[:4] - 255).max() <= 20


def test_webp_keeps_the_cutouts_alpha_exactly_and_its_opaque_colours_closely():
    image = cutout_with_clear_border()
    out = pixels(export(image, format="webp").data)
    expected = numpy.frombuffer(image.data, dtype=numpy.uint8).reshape(48, 64, 4).astype(int)
    assert numpy.array_equal(out[..., 3], expected[..., 3])
    opaque = expected[..., 3] == 255
    assert numpy.abs(out[opaque][:, :3] - expected[opaque][:, :3]).mean() < 4


def test_a_picture_background_is_scaled_to_cover_and_centred():
    # Left half blue, right half green, a quarter of the cutout's height: covering crops its sides.
    picture = numpy.zeros((12, 40, 3), dtype=numpy.uint8)
    picture[:, :20] = (0, 0, 255)
    picture[:, 20:] = (0, 255, 0)
    file = io.BytesIO()
    Image.fromarray(picture).save(file, "PNG")
    out = pixels(export(cutout_with_clear_border(), background=file.getvalue()).data)
    assert (out[..., 3] == 255).all()
    assert tuple(out[2, 2]) == (0, 0, 255, 255) and tuple(out[2, -3]) == (0, 255, 0, 255)


def test_quality_outside_the_safe_range_is_refused():
    with pytest.raises(ValueError, match="quality"):
        export(cutout_with_clear_border(), format="jpeg", quality=10)


class DamagingEncoder(PillowEncoder):
    """Writes a JPEG whose lower half is lost, as a failing codec or disk would."""

    async def encode(self, image, image_type, quality):
        data = await super().encode(image, image_type, quality)
        return data[:len(data) // 2] + bytes(len(data) - len(data) // 2)


class WrongFormatEncoder:
    async def encode(self, image, image_type, quality):
        from cutout.encode import encode_png

        return await encode_png(image, NativeRuntime())


@pytest.mark.parametrize("encoder", [DamagingEncoder(), WrongFormatEncoder()], ids=["damaged", "wrong-format"])
def test_a_broken_encoder_output_is_caught_by_the_decode_back_check(encoder):
    photo = numpy.asarray(Image.fromarray(numpy.random.default_rng(2).integers(0, 256, (96, 128, 3), dtype=numpy.uint8))
                          .resize((256, 192)).convert("RGBA"))
    image = RGBAImage(256, 192, photo.tobytes())
    with pytest.raises(EncodeFailure):
        asyncio.run(export_cutout(image, format="jpeg", background=RED, runtime=NativeRuntime(),
                                  decoder=PillowDecoder(), encoder=encoder))


def test_png_export_without_background_is_the_cutout_itself():
    image = cutout_with_clear_border()
    exported = export(image)
    assert exported.data.startswith(b"\x89PNG") and exported.mime == PNG.mime
    assert Image.open(io.BytesIO(exported.data)).tobytes() == image.data
