"""What the pipeline needs from its surroundings, in two small protocols.

Natively `cutout.native` implements them with onnxruntime and Pillow; in the browser
`cutout.browser` implements them by calling into the worker's JavaScript (onnxruntime-web
and the browser's image decoders). The pipeline in `cutout.job` sees only these.
"""

from collections.abc import AsyncIterator, Iterable
from typing import Protocol

from .image import RGBAImage
from .sniff import ImageType
from .tensor import Tensor


class Runtime(Protocol):
    async def run(self, graph: str, feeds: dict[str, Tensor], outputs: list[str]) -> dict[str, Tensor]:
        """Run the ONNX file named `graph` (a generated graph or a model file) and return `outputs`."""

    def run_each(self, graph: str, feeds: Iterable[dict[str, Tensor]], outputs: list[str]) -> AsyncIterator[dict[str, Tensor]]:
        """Run `graph` once per feed, each run independent of the others (the bands of one picture),
        and yield the `outputs` of each in the order of `feeds`."""


class Decoder(Protocol):
    async def decode(self, data: bytes, image_type: ImageType) -> RGBAImage:
        """Decode the first frame to straight RGBA with the EXIF orientation applied."""

    async def resize(self, image: RGBAImage, width: int, height: int) -> RGBAImage:
        """A high-quality downscaled copy (used only to feed pre-processing of huge images)."""


class Encoder(Protocol):
    async def encode(self, image: RGBAImage, image_type: ImageType, quality: int) -> bytes:
        """Encode straight RGBA as a lossy JPEG or WebP (the PNG encoder is cutout.encode's own)."""
