"""Estimate graph: a whole picture's block means → the maps its edge colours are made from.

    low    float32 [m, n, 4]   block means of the picture (`blocks`, its bands' rows joined)
    radii  int64   [4]         foreground-estimation blur radii (`cutout.edges.blur_radii`)
    maps   float32 [m, 8, n]   foreground and background means (RGB), local foreground and background L*;
                               rows first, so that a run of rows is one slice

Run once per picture on the small reduced copy; `compose.build(tile=True)` then finishes any run of
rows from these maps without context rows.
"""

import numpy as np
import onnx

from . import edge
from .builder import FLOAT, INT64, GraphBuilder


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    g.op("Transpose", edge.estimated_maps(g, "low"), perm=[1, 0, 2], out="maps")
    return g.model(
        "estimate",
        "Blur-fusion foreground estimation on a picture's block means; maps for compose-tile.",
        inputs=[("low", FLOAT, ["m", "n", 4]), ("radii", INT64, [edge.PASSES])],
        outputs=[("maps", FLOAT, ["m", edge.MAP_COUNT, "n"])],
    )


def reference(low: np.ndarray, radii) -> np.ndarray:
    """What `build()` computes, in float64 numpy: [m, n, 4] → [m, 8, n]."""
    low = low.astype(np.float64)  # float32 running sums would lose whole levels on big pictures
    return np.moveaxis(edge.reference_maps(low[..., :3], low[..., 3:], radii), -1, 1)
