"""Blocks graph: a band of a picture's rows → the block means its edge estimation starts from.

    rgba   uint8   [h, w, 4]   source pixels, the band starting on a whole block
    alpha  float32 [h, w]      cutout mask in 0..1
    block  int64   [1]         side of the blocks (`cutout.edges.block_size`)
    low    float32 [⌈h/block⌉, ⌈w/block⌉, 4]   mean R, G, B levels and mean coverage (0..255), whole steps

Bands of whole blocks give the whole picture's means row for row, so the job reduces a big picture
band by band and joins the rows for `estimate`; only the last band may end on a partial block.
"""

import numpy as np
import onnx

from . import edge
from .builder import FLOAT, INT64, UINT8, GraphBuilder
from .edge import _channels


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    sizes = g.op("Slice", g.op("Shape", "rgba", out="band_shape"), g.constant("index_zero", [0], INT64),
                 g.constant("two", [2], INT64), out="band_sizes")
    planes = edge.channel_planes(g, "rgba", sizes)
    weight = edge.coverage_weight(g, _channels(g, planes, 3, 4, "band_alpha_levels"), 0)
    edge.block_means(g, planes, weight, sizes)  # its output is "low"
    return g.model(
        "blocks",
        "Block means (R, G, B levels, coverage) of a band of rows, for the edge estimation.",
        inputs=[("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("block", INT64, [1])],
        outputs=[("low", FLOAT, ["m", "n", 4])],
    )


def reference(rgba: np.ndarray, alpha: np.ndarray, block: int) -> np.ndarray:
    """What `build()` computes, in float64 numpy."""
    low_rgb, low_weight = edge.reference_reduce_blocks(rgba[..., :3].astype(np.float64),
                                                       edge.reference_coverage_weight(rgba, alpha), block)
    return np.concatenate([low_rgb, low_weight], axis=-1)
