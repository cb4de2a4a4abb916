"""Real photographs for end-to-end tests, from scikit-image's sample data (no network needed)."""

import io

from PIL import Image
from skimage import data

SAMPLES = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea}


def photo(name: str = "astronaut", size: tuple[int, int] | None = None) -> Image.Image:
    image = Image.fromarray(SAMPLES[name]()).convert("RGB")
    return image.resize(size, Image.LANCZOS) if size else image


def encoded(image: Image.Image, format: str = "JPEG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **({"quality": 92} if format == "JPEG" else {}) | options)
    return buffer.getvalue()
