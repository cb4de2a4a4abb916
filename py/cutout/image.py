"""Decoded pixels as every stage after decode sees them: straight (not premultiplied) RGBA, 8 bits."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RGBAImage:
    width: int
    height: int
    data: bytes | bytearray | memoryview  # row-major, 4 bytes a pixel, no padding

    def __post_init__(self):
        if self.width < 1 or self.height < 1:
            raise ValueError(f"image must be at least 1×1, got {self.width}×{self.height}")
        if len(self.data) != self.width * self.height * 4:
            raise ValueError(f"{self.width}×{self.height} RGBA needs {self.width * self.height * 4} bytes, got {len(self.data)}")

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6
