"""The one value that crosses between Python stages and ONNX Runtime.

A plain buffer plus dtype and shape: no numpy, so the same code runs in Pyodide,
where the buffer is handed to onnxruntime-web, and natively, where it is viewed by numpy.
"""

from dataclasses import dataclass

ITEM_SIZE = {"uint8": 1, "float32": 4, "float16": 2, "int64": 8}


@dataclass(frozen=True)
class Tensor:
    dtype: str
    shape: tuple[int, ...]
    data: bytes | bytearray | memoryview

    def __post_init__(self):
        expected = ITEM_SIZE[self.dtype]
        for dim in self.shape:
            expected *= dim
        if self.nbytes != expected:
            raise ValueError(f"tensor {self.dtype}{list(self.shape)} needs {expected} bytes, got {self.nbytes}")

    @property
    def nbytes(self) -> int:
        return len(memoryview(self.data).cast("B"))


def int64_vector(values) -> Tensor:
    import struct

    values = list(values)
    return Tensor("int64", (len(values),), struct.pack(f"<{len(values)}q", *values))
