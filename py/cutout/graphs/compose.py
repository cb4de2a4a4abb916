"""Compose graph: source pixels + cutout mask → the finished RGBA, laid "over" a background colour.

    rgba             uint8   [h, w, 4]   source pixels (straight alpha): a band of rows with context
    alpha            float32 [h, w]      cutout mask in 0..1, for the same rows
    background       uint8   [4]         RGBA; [0, 0, 0, 0] for a transparent result
    margins          int64   [2]         context rows above and below the band's own rows
    radii            int64   [4]         foreground-estimation blur radii (`cutout.edges.blur_radii`)
    block            int64   [1]         side of the blocks estimation sums (`cutout.edges.block_size`)
    decontamination  float32 []          1: soft-edge colours become the estimated foreground; 0: the source's
    rgba_out         uint8   [h - margins, w, 4]   the band's own rows, straight alpha

Soft-edge colours come from their neighbourhood (`edge`): a band gives the whole picture's answer
for its own rows when it starts on a whole block and `margins` carry `cutout.edges.context_rows`
rows of context on each side that has any. Coverage is taken in the 1/255 steps of the exported
alpha, so only soft-edge pixels need arithmetic: they are gathered, composed and scattered back,
and the full-resolution work is a few whole-number passes. Fully opaque and fully transparent
pixels keep the source colour; where nothing is left (output alpha 0) the source RGB is kept rather
than zeroed, so that the colour under a transparent pixel survives for editors that reveal it again.
"""

import numpy as np
import onnx

from ..edges import RADII_AT_REFERENCE
from . import edge
from .builder import FLOAT, INT64, UINT8, GraphBuilder

# Where() evaluates both branches: keeps a division in the unused one finite (float32 tiny). The
# flatten graph uses it; compose divides only on the soft edge, where opacity is never 0.
SMALLEST_DIVISOR = float(np.finfo(np.float32).tiny)


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    last_axis = g.constant("last_axis", [-1], INT64)
    rgb_start, alpha_start, alpha_end = (g.constant(name, [index], INT64)
                                         for name, index in (("rgb_start", 0), ("alpha_start", 3), ("alpha_end", 4)))
    band_alpha = g.op("Cast", g.op("Slice", "rgba", alpha_start, alpha_end, last_axis, out="band_alpha_levels"), to=FLOAT,
                      out="band_alpha")
    mask = g.op("Unsqueeze", "alpha", last_axis, out="mask")
    # The mask may come from any refinement step: keep it a proportion.
    mask_clamped = g.op("Clip", mask, g.constant("zero", 0.0), g.constant("one", 1.0), out="mask_clamped")
    # Coverage (mask × source opacity) in the 1/255 steps the exported alpha has: estimation sums
    # these exactly, and every pixel that is neither 0 nor 255 here is composed one by one below.
    band_weight = g.op("Round", g.op("Mul", mask_clamped, band_alpha, out="band_coverage_255"), out="band_weight")
    first, end = _core_rows(g)
    row_axis = g.constant("row_axis", [0], INT64)
    weight = g.op("Slice", band_weight, first, end, row_axis, out="weight")
    at, soft_weight, soft_foreground = edge.soft_foreground_colours(g, "rgba", band_weight, weight)
    backdrop_rgb, backdrop_opacity = _colour_and_opacity(g, "background", "backdrop")
    # The soft pixels' colours are channels first ([3, k]): the backdrop colour as a column too.
    backdrop_column = g.op("Unsqueeze", backdrop_rgb, g.constant("last_axis", [-1], INT64), out="backdrop_column")

    coverage = g.op("Div", soft_weight, g.constant("full", 255.0), out="soft_coverage")
    uncovered = g.op("Sub", g.constant("one", 1.0), coverage, out="uncovered")
    backdrop_share = g.op("Mul", backdrop_opacity, uncovered, out="backdrop_share")
    opacity = g.op("Add", coverage, backdrop_share, out="opacity")
    foreground_part = g.op("Mul", soft_foreground, coverage, out="foreground_part")
    backdrop_part = g.op("Mul", backdrop_column, backdrop_share, out="backdrop_part")
    premultiplied = g.op("Add", foreground_part, backdrop_part, out="premultiplied")
    straight = g.op("Div", premultiplied, opacity, out="straight")  # coverage > 0 on the soft edge
    alpha_255 = g.op("Mul", opacity, g.constant("full", 255.0), out="alpha_255")
    channels = g.op("Concat", straight, alpha_255, axis=0, out="channels")
    rounded = g.op("Round", channels, out="rounded")
    in_range = g.op("Clip", rounded, g.constant("zero", 0.0), g.constant("full", 255.0), out="in_range")
    soft_rgba = g.op("Transpose", g.op("Cast", in_range, to=UINT8, out="soft_rgba_planes"), perm=[1, 0], out="soft_rgba")

    # Every other pixel is whole: weight 255 keeps the source, opaque; weight 0 keeps the source RGB
    # at alpha 0 (for editors that reveal it again) unless a backdrop shows there. So the source
    # RGB with the weight as alpha is right everywhere else; backdrop and soft pixels are scattered
    # in, by their index in the core rows flattened ([n, 4] pixels). Same-shape passes and scatters
    # only: broadcasting along a short last axis is slow in ORT.
    source_rgb = g.op("Slice", "rgba", g.op("Concat", first, rgb_start, axis=0, out="core_rgb_start"),
                      g.op("Concat", end, alpha_start, axis=0, out="core_rgb_end"),
                      g.constant("row_and_last_axes", [0, -1], INT64), out="source_rgb")
    whole = g.op("Concat", source_rgb, g.op("Cast", weight, to=UINT8, out="whole_alpha"), axis=-1, out="whole_rgba")
    whole_pixels = g.op("Reshape", whole, g.constant("pixel_rows", [-1, 4], INT64), out="whole_pixels")
    # Only where a backdrop shows are empty pixels looked for at all: otherwise none are.
    backdrop_shows = g.op("Cast", g.op("Greater", backdrop_opacity, g.constant("zero", 0.0), out="backdrop_shows"),
                          to=INT64, out="backdrop_shows_count")
    weight_list = g.op("Reshape", weight, g.constant("every_pixel", [-1], INT64), out="weight_list")
    searched_pixels = g.op("Mul", g.op("Shape", weight_list, out="pixel_count"), backdrop_shows, out="searched_pixels")
    searched = g.op("Slice", weight_list, g.constant("index_zero", [0], INT64), searched_pixels, out="searched_weight")
    backdrop_fills = g.op("Equal", searched, g.constant("zero", 0.0), out="backdrop_fills")
    backdrop_at = g.op("Transpose", g.op("NonZero", backdrop_fills, out="backdrop_indices"), perm=[1, 0], out="backdrop_at")
    backdrop_count = g.op("Slice", g.op("Shape", backdrop_at, out="backdrop_at_shape"), g.constant("index_zero", [0], INT64),
                          g.constant("index_one", [1], INT64), out="backdrop_count")
    backdrop_pixels = g.op("Expand", "background", g.op("Concat", backdrop_count, g.constant("four", [4], INT64), axis=0,
                                                        out="backdrop_pixels_shape"), out="backdrop_pixels")
    with_backdrop = g.op("ScatterND", whole_pixels, backdrop_at, backdrop_pixels, out="with_backdrop")
    composed = g.op("ScatterND", with_backdrop, at, soft_rgba, out="composed_pixels")
    g.op("Reshape", composed, g.op("Shape", whole, out="core_shape"), out="rgba_out")
    return g.model(
        "compose",
        "Cut-out RGBA composed over a background colour, soft-edge colours estimated; straight alpha.",
        inputs=[("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("background", UINT8, [4]),
                ("margins", INT64, [2]), ("radii", INT64, [edge.PASSES]), ("block", INT64, [1]),
                ("decontamination", FLOAT, [])],
        outputs=[("rgba_out", UINT8, ["core_h", "w", 4])],
    )


def _core_rows(g: GraphBuilder) -> tuple[str, str]:
    """Slice bounds of the band's own rows: from margins[0] to h - margins[1]."""
    first = g.op("Slice", "margins", g.constant("margin_above_at", [0], INT64), g.constant("margin_below_at", [1], INT64),
                 out="core_first")
    below = g.op("Slice", "margins", g.constant("margin_below_at", [1], INT64), g.constant("margin_end", [2], INT64),
                 out="margin_below")
    band_rows = g.op("Slice", g.op("Shape", "rgba", out="band_shape"), g.constant("margin_above_at", [0], INT64),
                     g.constant("margin_below_at", [1], INT64), out="band_rows")
    return first, g.op("Sub", band_rows, below, out="core_end")


def _colour_and_opacity(g: GraphBuilder, rgba: str, role: str) -> tuple[str, str]:
    """Splits uint8 RGBA (last axis) into float RGB in 0..255 and opacity in 0..1."""
    channels = g.op("Cast", rgba, to=FLOAT, out=f"{role}_channels")
    last_axis = g.constant("last_axis", [-1], INT64)
    alpha_start = g.constant("alpha_start", [3], INT64)
    rgb = g.op("Slice", channels, g.constant("rgb_start", [0], INT64), alpha_start, last_axis, out=f"{role}_rgb")
    alpha = g.op("Slice", channels, alpha_start, g.constant("alpha_end", [4], INT64), last_axis, out=f"{role}_alpha")
    opacity = g.op("Div", alpha, g.constant("full", 255.0), out=f"{role}_opacity")
    return rgb, opacity


def reference(rgba: np.ndarray, alpha: np.ndarray, background, margins=(0, 0), radii=RADII_AT_REFERENCE, block=1,
              decontamination: float = 1.0) -> np.ndarray:
    """What `build()` computes, in float64 numpy: ([h, w, 4] uint8, [h, w] float, 4 values, ...) → uint8."""
    band_rgb = rgba[..., :3].astype(np.float64)
    band_weight = np.rint(np.clip(alpha.astype(np.float64), 0.0, 1.0)[..., None] * rgba[..., 3:])
    band_coverage = band_weight / 255.0
    foreground_rgb = edge.reference_foreground_colours(band_rgb, band_weight, margins, radii, block, decontamination)
    core = slice(margins[0], rgba.shape[0] - margins[1])
    source_rgb, coverage = band_rgb[core], band_coverage[core]
    backdrop = np.asarray(background, dtype=np.float64)
    backdrop_share = backdrop[3] / 255.0 * (1.0 - coverage)
    opacity = coverage + backdrop_share
    premultiplied = foreground_rgb * coverage + backdrop[:3] * backdrop_share
    with np.errstate(divide="ignore", invalid="ignore"):
        rgb = np.where(opacity > 0, premultiplied / opacity, source_rgb)
    channels = np.concatenate([rgb, opacity * 255.0], axis=-1)
    return np.clip(np.rint(channels), 0, 255).astype(np.uint8)
