"""What the pipeline needs from its surroundings, in a few small protocols.

Natively `cutout.native` implements them with onnxruntime and Pillow (and `cutout.encode` deflates
with zlib); in the browser `cutout.browser` implements them by calling into the worker's JavaScript
(onnxruntime-web, the browser's image decoders, and its CompressionStream in a worker of its own).
The pipeline in `cutout.job` sees only these.
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


class Deflater(Protocol):
    """One zlib stream (RFC 1950: header, deflate data, Adler-32), written piece by piece while the
    job still composes, so that the deflating can run beside it where the surroundings allow."""

    def write(self, data: bytes) -> None:
        """Append `data` to the stream's input."""

    async def finish(self) -> bytes:
        """The whole zlib stream of everything written."""


class Encoder(Protocol):
    async def encode(self, image: RGBAImage, image_type: ImageType, quality: int) -> bytes:
        """Encode straight RGBA as a lossy JPEG or WebP (the PNG encoder is cutout.encode's own)."""
