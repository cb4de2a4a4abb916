"""Compose graph: source pixels + cutout mask → the finished RGBA, laid "over" a background colour.

    rgba             uint8   [h, w, 4]   source pixels (straight alpha): a band of rows with context
    alpha            float32 [h, w]      cutout mask in 0..1, for the same rows
    background       uint8   [4]         RGBA; [0, 0, 0, 0] for a transparent result
    margins          int64   [2]         context rows above and below the band's own rows
    radii            int64   [4]         foreground-estimation blur radii (`cutout.edges.blur_radii`)
    block            int64   [1]         side of the blocks estimation sums (`cutout.edges.block_size`)
    decontamination  float32 []          1: soft-edge colours become the estimated foreground; 0: the source's
    rgba_out         uint8   [h - margins, w, 4]   the band's own rows, straight alpha

`build(tile=True)` is compose-tile.onnx, what a job runs: instead of `margins` and `radii` it takes

    maps             float32 [m, 8, n]   the picture's estimated maps (`estimate`), or the rows of them the tile reaches
    top              int64   [1]         the first row given, counted from the first of those map rows
    context          int64   [1]         0, or 1 where the first row given is the row above the tile's own
    rgba_out         uint8   [h - context, w, 4]    the tile's own rows
    scanlines        uint8   [h - context, 1 + 4w]  those rows as the PNG stores them (`scanlines`), filtered
                                                    against the context row composed (zeros without one)

so that tiles composed side by side each come with their scanlines, none waiting for the one before.

Soft-edge colours come from their neighbourhood (`edge`): a band gives the whole picture's answer
for its own rows when it starts on a whole block and `margins` carry `cutout.edges.context_rows`
rows of context on each side that has any. Coverage is taken in the 1/255 steps of the exported
alpha, so fully opaque and fully transparent pixels keep the source colour exactly; where nothing is left (output alpha 0) the source RGB is kept rather
than zeroed, so that the colour under a transparent pixel survives for editors that reveal it again.
"""

import numpy as np
import onnx

from ..edges import RADII_AT_REFERENCE
from . import edge, scanlines
from .builder import FLOAT, INT64, UINT8, GraphBuilder
from .edge import _channels

# The least opacity divided by (float32 tiny): where opacity is 0 the share is 0 too, and 0 / tiny
# stays 0 where 0 / 0 would make the colour NaN.
SMALLEST_DIVISOR = float(np.finfo(np.float32).tiny)


def build(tile: bool = False) -> onnx.ModelProto:
    """compose.onnx: a band with its context rows, the edge estimation included; or with `tile`,
    compose-tile.onnx: any run of a picture's rows, given the maps `estimate.build` made of the whole
    picture, so that runs need no context rows. `maps` may be the run of map rows the tile reaches
    (`cutout.edges.map_rows`); `top` is the tile's first row counted from the first of those."""
    g = GraphBuilder()
    index_zero, index_one = g.constant("index_zero", [0], INT64), g.constant("index_one", [1], INT64)
    band_sizes = g.op("Slice", g.op("Shape", "rgba", out="band_shape"), index_zero, g.constant("two", [2], INT64),
                      out="band_sizes")
    planes = edge.channel_planes(g, "rgba", band_sizes)
    band_weight = edge.coverage_weight(g, _channels(g, planes, 3, 4, "band_alpha_levels"), 0)
    width = g.op("Slice", band_sizes, index_one, g.constant("two", [2], INT64), out="band_width")
    by_pixel = g.constant("planes_by_pixel", [0, -1], INT64)  # [c, h, w] → [c, h·w]
    if tile:
        first, end = index_zero, g.op("Slice", band_sizes, index_zero, index_one, out="band_rows")
        rgb_levels, weight_rows = _channels(g, planes, 0, 3, "core_rgb_levels"), band_weight
    else:
        first, end = _core_rows(g, band_sizes)
        row_axis = g.constant("row_axis", [1], INT64)
        rgb_levels = g.op("Slice", planes, g.op("Concat", index_zero, first, axis=0, out="core_rgb_start"),
                          g.op("Concat", g.constant("alpha_plane", [3], INT64), end, axis=0, out="core_rgb_end"),
                          g.constant("plane_and_row_axes", [0, 1], INT64), out="core_rgb_levels")
        weight_rows = g.op("Slice", band_weight, first, end, row_axis, out="weight_rows")
    source_rgb = g.op("Reshape", g.op("Cast", rgb_levels, to=FLOAT, out="source_rgb_rows"), by_pixel, out="source_rgb")
    weight = g.op("Reshape", weight_rows, by_pixel, out="weight")
    if tile:
        rows = ("top", g.op("Add", "top", end, out="end_row"))
        maps = g.op("Transpose", "maps", perm=[1, 0, 2], out="map_planes")
        foreground = edge.colours_from_maps(g, maps, rows, width, source_rgb, weight)
    else:
        foreground = edge.foreground_colours(g, planes, band_weight, band_sizes, width, source_rgb, weight, (first, end))
    backdrop_rgb, backdrop_opacity = _colour_and_opacity(g, "background", "backdrop")
    backdrop_column = g.op("Unsqueeze", backdrop_rgb, g.constant("last_axis", [-1], INT64), out="backdrop_column")

    coverage = g.op("Div", weight, g.constant("full", 255.0), out="coverage")
    uncovered = g.op("Sub", g.constant("one", 1.0), coverage, out="uncovered")
    backdrop_share = g.op("Mul", backdrop_opacity, uncovered, out="backdrop_share")
    opacity = g.op("Add", coverage, backdrop_share, out="opacity")
    # (F·coverage + backdrop·share) / opacity, as F moved towards the backdrop by share / opacity: the
    # per-pixel division is done once, not per colour. Where nothing is left (opacity 0) the share
    # is 0, so the colour is F, which is the source's RGB there, kept for editors that reveal it again.
    towards_backdrop = g.op("Div", backdrop_share, g.op("Max", opacity, g.constant("smallest_divisor", SMALLEST_DIVISOR),
                                                        out="opacity_divisor"), out="towards_backdrop")
    backdrop_step = g.op("Mul", g.op("Sub", backdrop_column, foreground, out="backdrop_difference"), towards_backdrop,
                         out="backdrop_step")
    rgb = g.op("Add", foreground, backdrop_step, out="rgb")
    alpha_255 = g.op("Mul", opacity, g.constant("full", 255.0), out="alpha_255")
    channels = g.op("Concat", rgb, alpha_255, axis=0, out="channels")
    rounded = g.op("Round", channels, out="rounded")
    in_range = g.op("Clip", rounded, g.constant("zero", 0.0), g.constant("full", 255.0), out="in_range")
    pixels = g.op("Transpose", g.op("Cast", in_range, to=UINT8, out="rgba_planes"), perm=[1, 0], out="rgba_pixels")
    core_shape = g.op("Concat", g.op("Sub", end, first, out="core_rows"), width, g.constant("four", [4], INT64), axis=0,
                      out="core_shape")
    if tile:
        _tile_and_scanlines(g, g.op("Reshape", pixels, core_shape, out="composed_rows"), end, width)
    else:
        g.op("Reshape", pixels, core_shape, out="rgba_out")
    pixel_inputs = [("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("background", UINT8, [4])]
    edge_inputs = [("block", INT64, [1]), ("decontamination", FLOAT, [])]
    if tile:
        return g.model("compose-tile", "Rows of a cut-out RGBA composed over a background colour, soft-edge colours "
                       "from the picture's estimated maps; straight alpha; and their PNG scanlines.",
                       inputs=[*pixel_inputs, ("maps", FLOAT, ["m", edge.MAP_COUNT, "n"]), ("top", INT64, [1]),
                               *edge_inputs, ("context", INT64, [1])],
                       outputs=[("rgba_out", UINT8, ["tile_h", "w", 4]), ("scanlines", UINT8, ["tile_h", "line"])])
    return g.model(
        "compose",
        "Cut-out RGBA composed over a background colour, soft-edge colours estimated; straight alpha.",
        inputs=[*pixel_inputs, ("margins", INT64, [2]), ("radii", INT64, [edge.PASSES]), *edge_inputs],
        outputs=[("rgba_out", UINT8, ["core_h", "w", 4])],
    )


def _tile_and_scanlines(g: GraphBuilder, composed: str, row_count: str, width: str) -> None:
    """`rgba_out`, the composed rows after the first `context` ones, and `scanlines`, those rows
    filtered by Up against the last context row (zeros where there is none: the picture's first row)."""
    index_zero = g.constant("index_zero", [0], INT64)
    g.op("Slice", composed, "context", row_count, index_zero, out="rgba_out")
    context_rows = g.op("Slice", composed, index_zero, "context", index_zero, out="context_rows")
    zero_row = g.op("ConstantOfShape", g.op("Concat", g.constant("index_one", [1], INT64), width, g.constant("four", [4], INT64),
                                            axis=0, out="zero_row_shape"),
                    value=onnx.helper.make_tensor("zero_level", UINT8, [1], [0]), out="zero_row")
    above = g.op("Slice", g.op("Concat", zero_row, context_rows, axis=0, out="above_candidates"),
                 g.constant("index_minus_one", [-1], INT64), g.constant("largest_index", [edge.LARGEST_INDEX], INT64),
                 index_zero, out="tile_above")
    scanlines.up_filtered(g, "rgba_out", above, out="scanlines")


def _core_rows(g: GraphBuilder, band_sizes: str) -> tuple[str, str]:
    """Slice bounds of the band's own rows: from margins[0] to h - margins[1]."""
    first = g.op("Slice", "margins", g.constant("index_zero", [0], INT64), g.constant("index_one", [1], INT64),
                 out="core_first")
    below = g.op("Slice", "margins", g.constant("index_one", [1], INT64), g.constant("two", [2], INT64),
                 out="margin_below")
    band_rows = g.op("Slice", band_sizes, g.constant("index_zero", [0], INT64), g.constant("index_one", [1], INT64),
                     out="band_rows")
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
    band_weight = edge.reference_coverage_weight(rgba, alpha)
    foreground_rgb = edge.reference_foreground_colours(band_rgb, band_weight, margins, radii, block, decontamination)
    core = slice(margins[0], rgba.shape[0] - margins[1])
    return _reference_over(band_rgb[core], band_weight[core], foreground_rgb, background)


def reference_tile(rgba: np.ndarray, alpha: np.ndarray, background, maps: np.ndarray, top: int, block=1,
                   decontamination: float = 1.0) -> np.ndarray:
    """What `build(tile=True)` computes, in float64 numpy; `maps` [m, 8, n] as `estimate` makes them."""
    rgb = rgba[..., :3].astype(np.float64)
    weight = edge.reference_coverage_weight(rgba, alpha)
    foreground_rgb = edge.reference_colours_from_maps(np.moveaxis(maps, 1, -1), block, top, rgb, weight, decontamination)
    return _reference_over(rgb, weight, foreground_rgb, background)


def _reference_over(source_rgb, weight, foreground_rgb, background) -> np.ndarray:
    """The foreground colours with coverage `weight` (0..255) laid over `background`, straight alpha, uint8."""
    coverage = weight / 255.0
    backdrop = np.asarray(background, dtype=np.float64)
    backdrop_share = backdrop[3] / 255.0 * (1.0 - coverage)
    opacity = coverage + backdrop_share
    premultiplied = foreground_rgb * coverage + backdrop[:3] * backdrop_share
    with np.errstate(divide="ignore", invalid="ignore"):
        rgb = np.where(opacity > 0, premultiplied / opacity, source_rgb)
    channels = np.concatenate([rgb, opacity * 255.0], axis=-1)
    return np.clip(np.rint(channels), 0, 255).astype(np.uint8)
