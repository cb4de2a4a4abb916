"""Flatten graph: a finished cutout laid "over" a backdrop (a colour or a picture), straight alpha.

    rgba      uint8 [h, w, 4]     the cutout, straight alpha
    backdrop  uint8 [bh, bw, 4]   what goes behind it: [1, 1, 4] for a colour, [h, w, 4] for a picture
    rgba_out  uint8 [h, w, 4]     the cutout over the backdrop; opaque wherever the backdrop is

The export stage (`cutout.backdrop`) runs it after the job, or after a hand edit, so a new
background never re-runs the network or the edge refinement.
"""

import numpy as np
import onnx

from .builder import UINT8, GraphBuilder
from .compose import SMALLEST_DIVISOR, _colour_and_opacity


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    cutout_rgb, cutout_opacity = _colour_and_opacity(g, "rgba", "cutout")
    backdrop_rgb, backdrop_opacity = _colour_and_opacity(g, "backdrop", "backdrop")
    uncovered = g.op("Sub", g.constant("one", 1.0), cutout_opacity, out="uncovered")
    backdrop_share = g.op("Mul", backdrop_opacity, uncovered, out="backdrop_share")
    opacity = g.op("Add", cutout_opacity, backdrop_share, out="opacity")
    premultiplied = g.op("Add", g.op("Mul", cutout_rgb, cutout_opacity, out="cutout_part"),
                         g.op("Mul", backdrop_rgb, backdrop_share, out="backdrop_part"), out="premultiplied")
    divisor = g.op("Max", opacity, g.constant("smallest_divisor", SMALLEST_DIVISOR), out="divisor")
    # Where nothing covers the pixel its own colour stays, as everywhere in Cutout (straight alpha).
    visible = g.op("Greater", opacity, g.constant("zero", 0.0), out="visible")
    rgb = g.op("Where", visible, g.op("Div", premultiplied, divisor, out="straight"), cutout_rgb, out="rgb")
    channels = g.op("Concat", rgb, g.op("Mul", opacity, g.constant("full", 255.0), out="alpha_255"), axis=-1,
                    out="channels")
    in_range = g.op("Clip", g.op("Round", channels, out="rounded"), g.constant("zero", 0.0), g.constant("full", 255.0),
                    out="in_range")
    # Broadcasting a [1, 1, 4] colour gives [h, w, 4] already; this keeps the output the cutout's size
    # even for a backdrop that is a single pixel and a cutout that is too.
    g.op("Cast", g.op("Expand", in_range, g.op("Shape", "rgba", out="cutout_shape"), out="full_size"), to=UINT8,
         out="rgba_out")
    return g.model(
        "flatten",
        "A cutout laid over a backdrop colour or picture; straight alpha.",
        inputs=[("rgba", UINT8, ["h", "w", 4]), ("backdrop", UINT8, ["bh", "bw", 4])],
        outputs=[("rgba_out", UINT8, ["h", "w", 4])],
    )


def reference(rgba: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """What `build()` computes, in float64 numpy."""
    cutout_rgb, cutout_opacity = rgba[..., :3].astype(np.float64), rgba[..., 3:] / 255.0
    backdrop_rgb, backdrop_opacity = backdrop[..., :3].astype(np.float64), backdrop[..., 3:] / 255.0
    backdrop_share = backdrop_opacity * (1.0 - cutout_opacity)
    opacity = cutout_opacity + backdrop_share
    premultiplied = cutout_rgb * cutout_opacity + backdrop_rgb * backdrop_share
    with np.errstate(divide="ignore", invalid="ignore"):
        rgb = np.where(opacity > 0, premultiplied / opacity, cutout_rgb)
    channels = np.concatenate([rgb, opacity * 255.0], axis=-1)
    return np.clip(np.rint(channels), 0, 255).astype(np.uint8)
