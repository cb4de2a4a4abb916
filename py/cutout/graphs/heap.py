"""Heap graph: writes zeros over a float buffer of a given length and returns its largest value.

    floats   int64   [1]   how many float32 values to write
    largest  float32 [1]   0

A job worker prepared ahead of its job runs it once while the page is idle, then releases it
(web/worker/bridge.js `reserveHeap`): onnxruntime-web's WebAssembly heap then already has the
size the network's run needs, its pages written once, so the job's first inference does not pay
for growing it, as a session that has run before does not. It computes nothing of the cutout.
"""

import numpy as np
import onnx

from .builder import FLOAT, INT64, GraphBuilder


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    # The length is an input, so the buffer is made at run time, never folded into the file.
    zeros = g.op("ConstantOfShape", "floats", value=onnx.helper.make_tensor("zero", FLOAT, [1], [0.0]), out="zeros")
    g.op("ReduceMax", zeros, keepdims=1, out="largest")
    return g.model(
        "heap",
        "Zeros over `floats` float32 values, and their largest value: grows onnxruntime-web's heap ahead of a job.",
        inputs=[("floats", INT64, [1])],
        outputs=[("largest", FLOAT, [1])],
    )


def reference(floats: int) -> np.ndarray:
    """What `build()` computes."""
    return np.zeros(1, dtype=np.float32)
