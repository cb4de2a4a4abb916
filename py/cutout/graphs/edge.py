"""Edge colour: the foreground colour behind each soft-edge pixel, as graph pieces and numpy references.

A soft-edge pixel is a mix I = αF + (1 − α)B of the subject F and the old background B; keeping I
as the cutout's colour carries B onto any new background (a green fringe, a dark halo). Two steps
recover F from the picture and the mask alone:

1. Blur-fusion foreground estimation (Forte & Pitié, "Approximate Fast Foreground Colour
   Estimation", ICIP 2021), run as several passes with shrinking radii: each pass takes α-weighted
   box means of the foreground (and (1 − α)-weighted ones of the background) around every pixel and
   hands the pixel's own residual I − αF̄ − (1 − α)B̄ to both in proportion.
2. Lightness restoration in CIE Lab: where the estimate's L* has drifted from the local foreground
   mean towards the local background's L* (at most as far as that), a (1 − α) share of the drift
   is taken back. This removes the dark (or light) halo where the mask is a little too generous.
   Chroma is left as the estimate has it: pushing it further from the local background measured
   worse on the development set (scripts/quality.py).

Box sums are differences of cumulative sums (CumSum), so their cost does not grow with the radius.
They are summed in integers — weights quantised to the 1/255 steps the exported alpha has anyway,
colours rounded to whole levels between passes — so they are exact: a band of rows with enough
context gives bit for bit what the whole picture gives, and large sums never cancel into noise.
The horizontal sums fit int32 (32,767 × 255² < 2³¹); the vertical ones need int64.
"""

import numpy as np

from ..edges import MAP_COUNT, RADII_AT_REFERENCE
from .builder import FLOAT, INT64, GraphBuilder

PASSES = len(RADII_AT_REFERENCE)

FULL_WEIGHT = 255.0
INT32 = 6  # TensorProto.INT32, spelt out here as the one place that needs it
LARGEST_INDEX = np.iinfo(np.int64).max

# sRGB (D65) to CIE XYZ, and the D65 white point: the constants scikit-image uses, so that
# skimage.color.rgb2lab checks our conversion.
XYZ_FROM_LINEAR_RGB = np.array([[0.412453, 0.357580, 0.180423],
                                [0.212671, 0.715160, 0.072169],
                                [0.019334, 0.119193, 0.950227]])
WHITE = np.array([0.95047, 1.0, 1.08883])
# Rows scaled by the white point, so that one matrix product gives X/Xn, Y/Yn, Z/Zn.
RELATIVE_XYZ_FROM_LINEAR_RGB = XYZ_FROM_LINEAR_RGB / WHITE[:, None]
LINEAR_RGB_FROM_RELATIVE_XYZ = np.linalg.inv(RELATIVE_XYZ_FROM_LINEAR_RGB)
SRGB_LINEAR_LIMIT = 0.04045
SRGB_ENCODED_LIMIT = 0.0031308
LAB_DELTA = 6.0 / 29.0


# ---- graph pieces -------------------------------------------------------------------------------
# Colour channels come first in every graph tensor here ([c, h, w] pictures, [c, k] pixel lists):
# a per-pixel weight [1, ...] then broadcasts over whole rows of each channel, which ONNX Runtime
# does at full speed, where a short last axis ([k, 1] against [k, 3]) makes it go element by element.

def foreground_colours(g: GraphBuilder, band_planes: str, band_weight: str, band_sizes: str, width: str, core_rgb: str,
                       core_weight: str, core_rows: tuple[str, str]) -> str:
    """The foreground RGB [3, n] of the band's own rows, estimation included: `block_means`, then
    `estimated_maps`, then `colours_from_maps` with the band's own place in its maps.

    `band_planes` uint8 [4, h, w] and `band_weight` [1, h, w] (α in whole steps 0..255) are the band
    with its context rows, starting on a whole block, `band_sizes` [h, w] and `width` [w]; `core_rgb` [3, n] levels and
    `core_weight` [1, n] its own rows, which are the band rows `core_rows` (slice bounds).
    """
    maps = estimated_maps(g, block_means(g, band_planes, band_weight, band_sizes))
    return colours_from_maps(g, maps, core_rows, width, core_rgb, core_weight)


def estimated_maps(g: GraphBuilder, low: str) -> str:
    """Blur-fusion on the reduced copy `low` [m, n, 4] (mean levels, mean weight) → the maps [8, m, n]
    that `colours_from_maps` reads: the last pass's foreground and background means, and the L* of
    the local foreground and background. Reads the graph input `radii`."""
    # Channels first from here on: the reduced copy is small, so this reordering costs little.
    planes = g.op("Transpose", low, perm=[2, 0, 1], out="low_planes")
    means = estimate_foreground(g, _channels(g, planes, 0, 3, "low_rgb"), _channels(g, planes, 3, 4, "low_weight"),
                                "radii", PASSES)
    return g.op("Concat", means[0], means[1], _lightness(g, means[2], "local_fg"), _lightness(g, means[3], "local_bg"),
                axis=0, out="low_maps")


def colours_from_maps(g: GraphBuilder, maps: str, rows: tuple[str, str], width: str, rgb: str, weight: str) -> str:
    """The foreground RGB [3, n] of picture rows `rows` (slice bounds in the maps' frame) from the
    maps [8, m, n]: estimated on the soft edge (0 < α < 1) where decontamination is 1, the source's
    everywhere else. `rgb` [3, n] levels and `weight` [1, n] are those rows' pixels, row by row;
    `width` [1] their length. Reads the graph inputs `block` and `decontamination`.

    Every pixel goes through the same passes: photos often have a soft mask nearly everywhere (95 %
    of the 12 MP benchmark photo), and whole-tensor passes cost ONNX Runtime less than finding,
    gathering and scattering back the soft pixels (which took half of compose's time).
    """
    foreground_mean, background_mean, local_lightness, background_lightness = _upsample(
        g, maps, rows, width, ((0, 3, "fg_mean"), (3, 6, "bg_mean"), (6, 7, "local_lightness"), (7, 8, "background_lightness")))
    # The last pass's update, pixel by pixel: the reduced copy gave only the means.
    (foreground,) = _fuse(g, rgb, weight, foreground_mean, background_mean, "core", roles=("foreground",))
    estimate = restore_lightness(g, foreground, local_lightness, background_lightness, weight)
    # Whole steps 0..255: w · (255 − w) is non-zero exactly on the soft edge.
    soft = g.op("Greater", g.op("Mul", weight, g.op("Sub", g.constant("full_weight", FULL_WEIGHT), weight,
                                                       out="core_unweight"), out="softness"),
                g.constant("zero", 0.0), out="soft")
    # One share per pixel, 0 off the soft edge: the estimate is finite everywhere, so adding none of
    # its change keeps the source exactly, at one colour pass fewer than choosing between the two.
    applied = g.op("Mul", g.op("Cast", soft, to=FLOAT, out="soft_share"), "decontamination", out="applied_share")
    change = g.op("Mul", g.op("Sub", estimate, rgb, out="estimate_change"), applied, out="applied_change")
    return g.op("Add", rgb, change, out="foreground_rgb")


def estimate_foreground(g: GraphBuilder, source_rgb: str, weight: str, radii: str, passes: int):
    """Blur-fusion passes → box means of the foreground and background, of the last pass and the one before.

    `source_rgb` [3, h, w] whole levels 0..255; `weight` [1, h, w] α in whole steps 0..255; `radii`
    int64 [passes], largest first. The last pass's means feed the per-pixel update; the ones before,
    wide enough to be reliable and narrow enough to be local, are the reference for lightness.
    """
    unweight = g.op("Sub", g.constant("full_weight", FULL_WEIGHT), weight, out="unweight")
    foreground = background = source_rgb
    for index in range(passes):
        name = f"pass{index}"
        radius = g.op("Slice", radii, g.constant(f"{name}_at", [index], INT64),
                      g.constant(f"{name}_next", [index + 1], INT64), out=f"{name}_radius")
        weighted_foreground = g.op("Mul", weight, foreground, out=f"{name}_weighted_foreground")
        weighted_background = g.op("Mul", unweight, background, out=f"{name}_weighted_background")
        stacked = g.op("Concat", weight, weighted_foreground, weighted_background, axis=0, out=f"{name}_stacked")
        # Whole numbers ≤ 255², exactly representable in float32, so the cast loses nothing.
        whole = g.op("Cast", stacked, to=INT32, out=f"{name}_whole")
        sums = _box_sums(g, whole, radius, name)
        weight_sum = _channels(g, sums, 0, 1, f"{name}_weight_sum")
        window_weight = g.op("Mul", _window_pixels(g, whole, radius, name), g.constant("full_weight", FULL_WEIGHT),
                             out=f"{name}_window_weight")
        unweight_sum = g.op("Sub", window_weight, weight_sum, out=f"{name}_unweight_sum")
        # Sums are whole numbers: where one is 0 its numerator is 0 too, and dividing by 1 keeps 0.
        at_least_one = g.constant("at_least_one", 1.0)
        foreground_mean = g.op("Div", _channels(g, sums, 1, 4, f"{name}_foreground_sum"),
                               g.op("Max", weight_sum, at_least_one, out=f"{name}_fg_divisor"), out=f"{name}_foreground_mean")
        background_mean = g.op("Div", _channels(g, sums, 4, 7, f"{name}_background_sum"),
                               g.op("Max", unweight_sum, at_least_one, out=f"{name}_bg_divisor"), out=f"{name}_background_mean")
        if index == passes - 2:
            local_foreground, local_background = foreground_mean, background_mean
        if index < passes - 1:
            # Whole levels again, so that the next pass sums exactly.
            foreground, background = (
                g.op("Round", updated, out=f"{name}_{role}_whole")
                for role, updated in zip(("foreground", "background"),
                                         _fuse(g, source_rgb, weight, foreground_mean, background_mean, name)))
    return foreground_mean, background_mean, local_foreground, local_background


def _fuse(g: GraphBuilder, source_rgb: str, weight: str, foreground_mean: str, background_mean: str, name: str,
          roles=("foreground", "background")) -> list[str]:
    """Blur-fusion's update: the pixel's residual I − αF̄ − (1 − α)B̄ shared out as α and 1 − α.

    Returns the updated colour of each role asked for, clipped to 0..255.
    """
    alpha = g.op("Div", weight, g.constant("full_weight", FULL_WEIGHT), out=f"{name}_alpha")
    beta = g.op("Sub", g.constant("one", 1.0), alpha, out=f"{name}_beta")
    explained = g.op("Add", g.op("Mul", alpha, foreground_mean, out=f"{name}_fg_part"),
                     g.op("Mul", beta, background_mean, out=f"{name}_bg_part"), out=f"{name}_explained")
    residual = g.op("Sub", source_rgb, explained, out=f"{name}_residual")
    shares = {"foreground": (foreground_mean, alpha), "background": (background_mean, beta)}
    updated = []
    for role in roles:
        mean, share = shares[role]
        raw = g.op("Add", mean, g.op("Mul", share, residual, out=f"{name}_{role}_share"), out=f"{name}_{role}_raw")
        updated.append(_levels(g, raw, f"{name}_{role}"))
    return updated


def restore_lightness(g: GraphBuilder, foreground: str, local_lightness: str, background_lightness: str,
                      weight: str) -> str:
    """Takes back (1 − α) of the L* drift from the local foreground's towards (and up to) the local background's.

    Works on Lab's f(X), f(Y), f(Z) of colours [3, k]: a* and b* are differences of these, so
    shifting all three by the same amount changes L* alone.
    """
    beta = g.op("Sub", g.constant("one", 1.0), g.op("Div", weight, g.constant("full_weight", FULL_WEIGHT),
                                                     out="lab_alpha"), out="lab_beta")
    relative = g.op("MatMul", g.constant("relative_xyz_from_linear_rgb", RELATIVE_XYZ_FROM_LINEAR_RGB.ravel().tolist(),
                                         shape=[3, 3]), _linear(g, foreground, "fg"), out="fg_relative_xyz")
    lab_f = _lab_f(g, relative, "fg")
    lightness = _lightness_from_f(g, _channels(g, lab_f, 1, 2, "fg_lab_fy"), "fg")
    drift = g.op("Sub", lightness, local_lightness, out="lightness_drift")
    background_side = g.op("Sub", background_lightness, local_lightness, out="background_side")
    # Only drift towards the background's L*, and no further than it, counts as contamination.
    zero = g.constant("zero", 0.0)
    towards_background = g.op("Min", g.op("Max", drift, g.op("Min", background_side, zero, out="side_below"),
                                          out="drift_floor"),
                              g.op("Max", background_side, zero, out="side_above"), out="drift_towards_background")
    taken_back = g.op("Mul", beta, towards_background, out="lightness_taken_back")
    shift = g.op("Div", taken_back, g.constant("lightness_per_f", 116.0), out="lab_f_shift")
    restored_f = g.op("Sub", lab_f, shift, out="restored_lab_f")
    relative_back = _lab_f_inverse(g, restored_f, "restored")
    linear = g.op("MatMul", g.constant("linear_rgb_from_relative_xyz", LINEAR_RGB_FROM_RELATIVE_XYZ.ravel().tolist(),
                                       shape=[3, 3]), relative_back, out="restored_linear")
    return _encoded(g, linear, "restored")


def channel_planes(g: GraphBuilder, rgba: str, sizes: str) -> str:
    """uint8 [h, w, 4] → [4, h, w]: a per-pixel value [1, ...] then broadcasts over whole runs of each
    channel, and a channel is one contiguous slice, where slicing (or splitting) a short last axis
    is slow in ORT. (Planes are cut from the [4, h, w] layout: a Slice straight after the Transpose
    is moved before it by ORT's optimiser, back onto the slow last axis.)"""
    pixels = g.op("Reshape", rgba, g.constant("pixel_rows", [-1, 4], INT64), out="band_pixels")
    return g.op("Reshape", g.op("Transpose", pixels, perm=[1, 0], out="band_pixel_planes"),
                g.op("Concat", g.constant("four", [4], INT64), sizes, axis=0, out="band_planes_shape"), out="band_planes")


def coverage_weight(g: GraphBuilder, alpha_levels: str, axis: int) -> str:
    """Coverage (the graph input `alpha`, the mask, × the source's alpha levels `alpha_levels`), in the
    1/255 steps the exported alpha has: estimation sums these exactly. `alpha_levels` is the mask's
    shape with a 1 inserted at `axis`. The mask may come from any refinement step: kept a proportion."""
    mask = g.op("Clip", g.op("Unsqueeze", "alpha", g.constant(f"axis_{axis}", [axis], INT64), out="mask"),
                g.constant("zero", 0.0), g.constant("one", 1.0), out="mask_clamped")
    source_alpha = g.op("Cast", alpha_levels, to=FLOAT, out="band_alpha")
    return g.op("Round", g.op("Mul", mask, source_alpha, out="band_coverage_255"), out="band_weight")


def block_means(g: GraphBuilder, band_planes: str, band_weight: str, sizes: str) -> str:
    """Mean levels and mean weight [m, n, 4] (R, G, B, weight) of each `block` × `block` block, in whole steps.

    `band_planes` uint8 [4, h, w] (R, G, B, A levels, channels first) and `band_weight` [1, h, w].
    The far edges are padded by repeating the last row and column, so every block holds block²
    pixels. Sums of whole numbers below 2²⁴ are exact in float32: every band sums a block
    identically, so bands of whole blocks give the whole picture's means row for row. Each plane's
    rows are summed in runs of `block` whole rows first, then the sums across: two reductions that
    onnxruntime makes over contiguous memory, where one over both block axes of [h, w, c] took 6 ms of a 2 MP band's 30.
    """
    shortfall = g.op("Mod", g.op("Sub", "block", g.op("Mod", sizes, "block", out="band_overhang"), out="band_gap"), "block",
                     out="band_shortfall")
    zero = g.constant("index_zero", [0], INT64)
    pads = g.op("Concat", zero, zero, zero, zero, shortfall, axis=0, out="block_pads")
    blocks = g.op("Div", g.op("Add", sizes, shortfall, out="band_padded_sizes"), "block", out="block_counts")
    block_area = g.op("Cast", g.op("Mul", "block", "block", out="block_area_whole"), to=FLOAT, out="block_area")
    block_rows, block_columns = _item(g, blocks, 0, "block_rows"), _item(g, blocks, 1, "block_columns")
    rgb_levels = _channels(g, band_planes, 0, 3, "band_rgb_planes")
    means = []
    for name, plane, channels in (("rgb", rgb_levels, 3), ("weight", band_weight, 1)):
        # Padded while still uint8 (the colours): a quarter of the bytes to copy.
        padded = g.op("Pad", plane, pads, mode="edge", out=f"band_{name}_padded")
        if name == "rgb":
            padded = g.op("Cast", padded, to=FLOAT, out="band_rgb_padded_levels")
        count = g.constant(f"{name}_channels", [channels], INT64)
        in_row_runs = g.op("Reshape", padded, g.op("Concat", count, block_rows, "block", g.constant("rest", [-1], INT64),
                                                   axis=0, out=f"block_{name}_row_runs_layout"), out=f"block_{name}_row_runs")
        row_sums = g.op("ReduceSum", in_row_runs, g.constant("run_axis", [2], INT64), keepdims=0, out=f"block_{name}_row_sums")
        across = g.op("Reshape", row_sums, g.op("Concat", count, block_rows, block_columns, "block", axis=0,
                                                out=f"block_{name}_across_layout"), out=f"block_{name}_across")
        sums = g.op("ReduceSum", across, g.constant("last_axis", [-1], INT64), keepdims=0, out=f"block_{name}_sums")
        means.append(g.op("Round", g.op("Div", sums, block_area, out=f"block_{name}_mean"), out=f"low_{name}_levels"))
    # Rows first again ([m, n, 4]), so that the bands' rows join end to end: the reduced copy is small.
    return g.op("Transpose", g.op("Concat", *means, axis=0, out="low_planes_of_band"), perm=[1, 2, 0], out="low")


def _upsample(g: GraphBuilder, low_maps: str, rows: tuple[str, str], width: str, groups) -> list[str]:
    """Bilinear enlargement of the reduced maps [c, m, n] to picture rows `rows` (slice bounds in the
    maps' frame) and `width` columns: one [end − start, rows · w] tensor per group (start, end, name)
    of the maps' channels.

    Half-pixel centres with the edge repeated, like Resize; the weights depend only on a line's
    place inside its block, so any run of rows computes the same numbers as the whole picture. The
    reduced rows those rows reach are first enlarged across, to every column (they are few), then
    each row mixes the two enlarged rows around it: no per-pixel lookups.
    """
    first, end = rows
    low_sizes = g.op("Shape", low_maps, out="low_shape")
    double_block = g.op("Mul", "block", g.constant("two", [2], INT64), out="double_block")
    double_block_float = g.op("Cast", double_block, to=FLOAT, out="double_block_float")
    row_positions = g.op("Range", g.op("Squeeze", first, out="first_row_scalar"), g.op("Squeeze", end, out="end_row_scalar"),
                         g.constant("scalar_one", 1, INT64), out="row_positions")
    column_positions = g.op("Range", g.constant("scalar_zero", 0, INT64), g.op("Squeeze", width, out="width_scalar"),
                            g.constant("scalar_one", 1, INT64), out="column_positions")
    row_lower, row_upper, row_fraction = _interpolation(g, row_positions, low_sizes, (double_block, double_block_float), 0,
                                                        "row")
    column_lower, column_upper, column_fraction = _interpolation(g, column_positions, low_sizes,
                                                                 (double_block, double_block_float), 1, "column")
    # Only the reduced rows these rows reach (the indices rise with the row).
    reached_first = g.op("Slice", row_lower, g.constant("index_zero", [0], INT64), g.constant("index_one", [1], INT64),
                         out="reached_first")
    reached_end = g.op("Add", g.op("Slice", row_upper, g.constant("index_minus_one", [-1], INT64),
                                   g.constant("largest_index", [LARGEST_INDEX], INT64), out="reached_last"),
                       g.constant("index_one", [1], INT64), out="reached_end")
    reached = g.op("Slice", low_maps, reached_first, reached_end, g.constant("index_one", [1], INT64), out="reached_maps")
    # Columns first ([n, c, m]), so that each looked-up column is one run of c·m values.
    by_column = g.op("Transpose", reached, perm=[2, 0, 1], out="low_maps_by_column")
    across_fraction = g.op("Unsqueeze", column_fraction, g.constant("two_trailing_axes", [1, 2], INT64),
                           out="across_fraction")
    across = _mix(g, g.op("Gather", by_column, column_lower, axis=0, out="left_columns"),
                  g.op("Gather", by_column, column_upper, axis=0, out="right_columns"), across_fraction, "maps_across")
    # [c, m, w]: each reduced row enlarged across, one run of w values.
    across_rows = g.op("Transpose", across, perm=[1, 2, 0], out="maps_across_rows")
    # Each row mixes its two reduced rows as one product with a [rows, m] matrix of their weights:
    # the full-size maps are written once, where looking both rows up and mixing them took five
    # full-size passes (12 MP of compose-tile: 1.50 s → 1.34 s, onnxruntime-web on 2 threads in Node).
    reached_rows = g.op("Range", g.constant("scalar_zero", 0, INT64),
                        g.op("Squeeze", g.op("Sub", reached_end, reached_first, out="reached_count"),
                             out="reached_count_scalar"),
                        g.constant("scalar_one", 1, INT64), out="reached_rows")
    fraction = g.op("Unsqueeze", row_fraction, g.constant("last_axis", [-1], INT64), out="row_mix_fraction")
    weights = []
    for role, line, share in (("lower", row_lower, g.op("Sub", g.constant("one", 1.0), fraction, out="row_mix_rest")),
                              ("upper", row_upper, fraction)):
        offset = g.op("Unsqueeze", g.op("Sub", line, reached_first, out=f"{role}_reached_rows"),
                      g.constant("last_axis", [-1], INT64), out=f"{role}_reached_column")
        picks = g.op("Cast", g.op("Equal", offset, reached_rows, out=f"{role}_row_picked"), to=FLOAT,
                     out=f"{role}_row_picks")
        weights.append(g.op("Mul", picks, share, out=f"{role}_row_weights"))
    row_weights = g.op("Add", *weights, out="row_weights")
    # Each group mixed on its own: a full-size map is then never sliced (copied) into its channels.
    return [g.op("Reshape", g.op("MatMul", row_weights, _channels(g, across_rows, start, end, f"{name}_across"),
                                 out=f"{name}_rows"),
                 g.constant(f"{name}_by_pixel", [end - start, -1], INT64), out=name)
            for start, end, name in groups]


def _interpolation(g: GraphBuilder, line: str, low_sizes: str, double_block: tuple[str, str], axis: int,
                   name: str) -> tuple[str, str, str]:
    """For each line position `line` (int64 [k]) along `axis` (0 rows, 1 columns): the reduced lines
    below and above its sample point, clamped to the maps, and how far it lies between them.
    `double_block`: 2 · block, whole and as a float (made once for both axes)."""
    last = g.op("Sub", _item(g, low_sizes, axis + 1, f"low_{name}_length"), g.constant("index_one", [1], INT64),
                out=f"low_last_{name}")
    base = g.op("Div", line, "block", out=f"{name}_block")
    phase = g.op("Sub", line, g.op("Mul", base, "block", out=f"{name}_block_start"), out=f"{name}_phase")
    # The sample point (p + ½)/k − ½ lies in the block before when 2·phase + 1 < k.
    odd = g.op("Add", g.op("Mul", phase, g.constant("two", [2], INT64), out=f"{name}_twice_phase"),
               g.constant("index_one", [1], INT64), out=f"{name}_odd")
    before = g.op("Cast", g.op("Less", odd, "block", out=f"{name}_before"), to=INT64, out=f"{name}_step_back")
    lower = g.op("Sub", base, before, out=f"{name}_lower")
    upper = g.op("Add", lower, g.constant("index_one", [1], INT64), out=f"{name}_upper")
    double_block_whole, double_block_float = double_block
    numerator = g.op("Mod", g.op("Add", odd, "block", out=f"{name}_shifted"), double_block_whole,
                     out=f"{name}_fraction_numerator")
    fraction = g.op("Div", g.op("Cast", numerator, to=FLOAT, out=f"{name}_numerator_float"),
                    double_block_float, out=f"{name}_fraction")
    return _clamp(g, lower, last, f"{name}_lower_clamped"), _clamp(g, upper, last, f"{name}_upper_clamped"), fraction


def _mix(g: GraphBuilder, first: str, second: str, fraction: str, out: str) -> str:
    """first + fraction · (second − first)."""
    step = g.op("Mul", g.op("Sub", second, first, out=f"{out}_difference"), fraction, out=f"{out}_step")
    return g.op("Add", first, step, out=out)


def _clamp(g: GraphBuilder, index: str, last: str, out: str) -> str:
    low = g.op("Max", index, g.constant("index_zero", [0], INT64), out=f"{out}_nonnegative")
    return g.op("Min", low, last, out=out)


def _item(g: GraphBuilder, vector: str, index: int, out: str) -> str:
    return g.op("Slice", vector, g.constant(f"item_{index}", [index], INT64), g.constant(f"item_{index + 1}", [index + 1], INT64),
                out=out)


def _box_sums(g: GraphBuilder, whole: str, radius: str, name: str) -> str:
    """Sums over the (2r + 1)² window around each pixel of int32 [c, h, w]; zero beyond the band."""
    across = _window_sums(g, whole, radius, 2, f"{name}_across")
    wide = g.op("Cast", across, to=INT64, out=f"{name}_across_wide")
    down = _window_sums(g, wide, radius, 1, f"{name}_down")
    return g.op("Cast", down, to=FLOAT, out=f"{name}_sums")


def _window_sums(g: GraphBuilder, values: str, radius: str, axis: int, name: str) -> str:
    """Sums of 2r + 1 neighbours along `axis` (1 or 2 of a rank-3 tensor), from one running sum."""
    zero = g.constant("index_zero", [0], INT64)
    one = g.constant("index_one", [1], INT64)
    after = g.op("Add", radius, one, out=f"{name}_lead")
    # Pad: r + 1 zeros before (so that the running sum starts at 0), r after.
    begins = [zero, zero, zero]
    ends = [zero, zero, zero]
    begins[axis], ends[axis] = after, radius
    pads = g.op("Concat", *begins, *ends, axis=0, out=f"{name}_pads")
    padded = g.op("Pad", values, pads, out=f"{name}_padded")
    running = g.op("CumSum", padded, g.constant(f"axis_{axis}", axis, INT64), out=f"{name}_running")
    span = g.op("Add", after, radius, out=f"{name}_span")
    axes = g.constant(f"axes_{axis}", [axis], INT64)
    ahead = g.op("Slice", running, span, g.constant("largest_index", [LARGEST_INDEX], INT64), axes, out=f"{name}_ahead")
    behind = g.op("Slice", running, zero, g.op("Neg", span, out=f"{name}_minus_span"), axes, out=f"{name}_behind")
    return g.op("Sub", ahead, behind, out=name)


def _window_pixels(g: GraphBuilder, like: str, radius: str, name: str) -> str:
    """How many pixels of the band each pixel's window covers, float [1, h, w]."""
    shape = g.op("Shape", like, out=f"{name}_shape")
    counts = []
    for axis, layout in ((1, [1, -1, 1]), (2, [1, 1, -1])):
        length = g.op("Slice", shape, g.constant(f"axis_at_{axis}", [axis], INT64),
                      g.constant(f"axis_next_{axis}", [axis + 1], INT64), out=f"{name}_length_{axis}")
        positions = g.op("Range", g.constant("scalar_zero", 0, INT64),
                         g.op("Squeeze", length, out=f"{name}_length_scalar_{axis}"),
                         g.constant("scalar_one", 1, INT64), out=f"{name}_positions_{axis}")
        last = g.op("Sub", length, g.constant("index_one", [1], INT64), out=f"{name}_last_{axis}")
        upper = g.op("Min", g.op("Add", positions, radius, out=f"{name}_reach_up_{axis}"), last, out=f"{name}_upper_{axis}")
        lower = g.op("Max", g.op("Sub", positions, radius, out=f"{name}_reach_down_{axis}"),
                     g.constant("index_zero", [0], INT64), out=f"{name}_lower_{axis}")
        span = g.op("Add", g.op("Sub", upper, lower, out=f"{name}_gap_{axis}"), g.constant("index_one", [1], INT64),
                    out=f"{name}_covered_{axis}")
        shaped = g.op("Reshape", span, g.constant(f"layout_{axis}", layout, INT64), out=f"{name}_covered_shaped_{axis}")
        counts.append(g.op("Cast", shaped, to=FLOAT, out=f"{name}_covered_float_{axis}"))
    return g.op("Mul", *counts, out=f"{name}_window_pixels")


def _channels(g: GraphBuilder, tensor: str, start: int, end: int, out: str) -> str:
    """Channels start..end of a channels-first tensor."""
    return g.op("Slice", tensor, g.constant(f"channel_{start}", [start], INT64),
                g.constant(f"channel_{end}", [end], INT64), g.constant("index_zero", [0], INT64), out=out)


def _levels(g: GraphBuilder, values: str, out: str) -> str:
    return g.op("Clip", values, g.constant("zero", 0.0), g.constant("full_level", 255.0), out=out)


def _power(g: GraphBuilder, base: str, exponent: str, out: str) -> str:
    """base ** exponent for base > 0, as exp(exponent · log(base)): in onnxruntime-web, Pow with these
    exponents took 70–80 ms on 6.9 M values, Log and Exp together 35 ms."""
    return g.op("Exp", g.op("Mul", g.op("Log", base, out=f"{out}_log"), exponent, out=f"{out}_log_scaled"), out=out)


def _curve_then_line(g: GraphBuilder, values: str, limit: float, curve, slope: float, name: str) -> str:
    """A colour-space function that is `curve` above `limit` and, at or below it, the straight line
    of `slope` meeting the curve there (each standard defines its two pieces to meet):
    curve(max(x, limit)) + slope · min(x − limit, 0). Max and Min instead of choosing one piece per
    value: Where took onnxruntime five times as long as a Min, and the curve never sees a base of 0."""
    limit = g.constant(f"{name}_limit", limit)
    above = curve(g.op("Max", values, limit, out=f"{name}_curve_base"))
    below_limit = g.op("Min", g.op("Sub", values, limit, out=f"{name}_past_limit"), g.constant("zero", 0.0),
                       out=f"{name}_below_limit")
    line = g.op("Mul", below_limit, g.constant(f"{name}_slope", slope), out=f"{name}_line_part")
    return g.op("Add", above, line, out=name)


def _linear(g: GraphBuilder, levels: str, name: str) -> str:
    """sRGB levels 0..255 → linear light 0..1 (the 1/255 scaling folded into each piece's constants)."""
    def power_curve(levels_above: str) -> str:
        lifted = g.op("Add", g.op("Mul", levels_above, g.constant("lifted_per_level", 1.0 / (255.0 * 1.055)),
                                  out=f"{name}_lifted_scaled"),
                      g.constant("lifted_offset", 0.055 / 1.055), out=f"{name}_lifted")
        return _power(g, lifted, g.constant("srgb_gamma", 2.4), out=f"{name}_bright")
    return _curve_then_line(g, levels, SRGB_LINEAR_LIMIT * 255.0, power_curve, 1.0 / (255.0 * 12.92), f"{name}_linear")


def _encoded(g: GraphBuilder, linear: str, name: str) -> str:
    """Linear light → sRGB levels 0..255 (out-of-gamut values clipped first; the ×255 folded into each piece)."""
    def power_curve(unit_above: str) -> str:
        powered = _power(g, unit_above, g.constant("srgb_inverse_gamma", 1.0 / 2.4), out=f"{name}_powered")
        return g.op("Sub", g.op("Mul", powered, g.constant("bright_levels_scale", 1.055 * 255.0), out=f"{name}_scaled"),
                    g.constant("bright_levels_offset", 0.055 * 255.0), out=f"{name}_encoded_bright")
    unit = g.op("Clip", linear, g.constant("zero", 0.0), g.constant("one", 1.0), out=f"{name}_linear_clipped")
    return _curve_then_line(g, unit, SRGB_ENCODED_LIMIT, power_curve, 12.92 * 255.0, f"{name}_levels")


def _lab_f(g: GraphBuilder, relative: str, name: str) -> str:
    """CIE Lab's f(t): a cube root, linear near black."""
    def cube_root(relative_above: str) -> str:
        return _power(g, relative_above, g.constant("third", 1.0 / 3.0), out=f"{name}_cube_root")
    return _curve_then_line(g, relative, LAB_DELTA ** 3, cube_root, 1.0 / (3 * LAB_DELTA ** 2), f"{name}_lab_f")


def _lab_f_inverse(g: GraphBuilder, lab_f: str, name: str) -> str:
    def cube(lab_f_above: str) -> str:
        return g.op("Mul", g.op("Mul", lab_f_above, lab_f_above, out=f"{name}_squared"), lab_f_above, out=f"{name}_cubed")
    return _curve_then_line(g, lab_f, LAB_DELTA, cube, 3 * LAB_DELTA ** 2, f"{name}_relative_xyz")


def _lightness_from_f(g: GraphBuilder, lab_fy: str, name: str) -> str:
    scaled = g.op("Mul", lab_fy, g.constant("lightness_per_f", 116.0), out=f"{name}_scaled_fy")
    return g.op("Sub", scaled, g.constant("lightness_offset", 16.0), out=f"{name}_lightness")


def _lightness(g: GraphBuilder, levels: str, name: str) -> str:
    """L* of sRGB levels [3, h, w] → [1, h, w] (Y alone decides it)."""
    weighted = g.op("Mul", _linear(g, levels, name),
                    g.constant("luminance_weights", RELATIVE_XYZ_FROM_LINEAR_RGB[1].tolist(), shape=[3, 1, 1]),
                    out=f"{name}_weighted_linear")
    luminance = g.op("ReduceSum", weighted, g.constant("index_zero", [0], INT64), keepdims=1, out=f"{name}_luminance")
    return _lightness_from_f(g, _lab_f(g, luminance, name), name)


# ---- numpy references ---------------------------------------------------------------------------

def reference_coverage_weight(rgba: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """What `coverage_weight` computes, in float64: [h, w, 4] uint8 and the mask [h, w] → [h, w, 1]."""
    return np.rint(np.clip(alpha.astype(np.float64), 0.0, 1.0)[..., None] * rgba[..., 3:])


def reference_foreground_colours(band_rgb, band_weight, margins, radii, block, decontamination) -> np.ndarray:
    """What `foreground_colours` computes, in float64: the core rows' foreground RGB [h, w, 3]."""
    maps = reference_maps(*reference_reduce_blocks(band_rgb, band_weight, block), radii)
    core = slice(margins[0], band_rgb.shape[0] - margins[1])
    return reference_colours_from_maps(maps, block, margins[0], band_rgb[core], band_weight[core], decontamination)


def reference_maps(low_rgb: np.ndarray, low_weight: np.ndarray, radii) -> np.ndarray:
    """What `estimated_maps` computes, in float64, channels last: [m, n, 3] and [m, n, 1] → [m, n, 8]."""
    foreground_mean, background_mean, local_foreground, local_background = reference_estimate(low_rgb, low_weight, radii)
    return np.concatenate([foreground_mean, background_mean, reference_lab(local_foreground)[..., :1],
                           reference_lab(local_background)[..., :1]], axis=-1)


def reference_colours_from_maps(maps, block, top, rgb, weight, decontamination) -> np.ndarray:
    """What `colours_from_maps` computes, in float64: rows from `top` on, `rgb` [h, w, 3], `weight` [h, w, 1]."""
    full_maps = reference_upsample(maps, block)[top:top + rgb.shape[0], :rgb.shape[1]]
    alpha = weight / FULL_WEIGHT
    residual = rgb - alpha * full_maps[..., 0:3] - (1.0 - alpha) * full_maps[..., 3:6]
    foreground = np.clip(full_maps[..., 0:3] + alpha * residual, 0.0, 255.0)
    estimate = reference_restore_lightness(foreground, full_maps[..., 6:7], full_maps[..., 7:8], weight)
    soft = (weight > 0) & (weight < FULL_WEIGHT)
    return np.where(soft, rgb + decontamination * (estimate - rgb), rgb)


def reference_reduce_blocks(rgb: np.ndarray, weight: np.ndarray, block: int):
    """Mean colour and weight of each block, the far edges repeated to whole blocks, rounded to whole steps."""
    height, width = weight.shape[:2]
    rows, columns = -(-height // block), -(-width // block)
    means = []
    for plane in (rgb, weight):
        padded = np.pad(plane, ((0, rows * block - height), (0, columns * block - width), (0, 0)), mode="edge")
        means.append(np.rint(padded.reshape(rows, block, columns, block, -1).mean(axis=(1, 3))))
    return means


def reference_upsample(maps: np.ndarray, block: int) -> np.ndarray:
    """Bilinear enlargement by `block` with half-pixel centres and the edge repeated, [m, n, c] → [m·k, n·k, c]."""
    for axis in (0, 1):
        length = maps.shape[axis]
        centres = (np.arange(length * block) + 0.5) / block - 0.5
        lower = np.floor(centres).astype(int)
        fraction = np.expand_dims(centres - lower, tuple(range(1, maps.ndim - axis)))
        below = np.take(maps, np.clip(lower, 0, length - 1), axis=axis)
        above = np.take(maps, np.clip(lower + 1, 0, length - 1), axis=axis)
        maps = below + fraction * (above - below)
    return maps


def reference_estimate(source_rgb: np.ndarray, weight: np.ndarray, radii):
    """What `estimate_foreground` computes, in float64: ([h, w, 3], [h, w, 1] whole steps, radii)."""
    alpha = weight / FULL_WEIGHT
    foreground = background = source_rgb
    for index, radius in enumerate(radii):
        weight_sum = reference_box_sums(weight, radius)
        unweight_sum = reference_box_sums(np.ones_like(weight), radius) * FULL_WEIGHT - weight_sum
        foreground_mean = reference_box_sums(weight * foreground, radius) / np.maximum(weight_sum, 1.0)
        background_mean = reference_box_sums((FULL_WEIGHT - weight) * background, radius) / np.maximum(unweight_sum, 1.0)
        if index == len(radii) - 2:
            local_foreground, local_background = foreground_mean, background_mean
        if index < len(radii) - 1:
            residual = source_rgb - alpha * foreground_mean - (1.0 - alpha) * background_mean
            foreground = np.rint(np.clip(foreground_mean + alpha * residual, 0.0, 255.0))
            background = np.rint(np.clip(background_mean + (1.0 - alpha) * residual, 0.0, 255.0))
    return foreground_mean, background_mean, local_foreground, local_background


def reference_box_sums(values: np.ndarray, radius: int) -> np.ndarray:
    """Sums over the (2r + 1)² window of [h, w, c], counting nothing beyond the borders."""
    padded = np.pad(values, ((radius, radius), (radius, radius), (0, 0)))
    table = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0), (0, 0)))
    span = 2 * radius + 1
    return table[span:, span:] - table[:-span, span:] - table[span:, :-span] + table[:-span, :-span]


def reference_restore_lightness(foreground, local_lightness, background_lightness, weight) -> np.ndarray:
    """What `restore_lightness` computes, in float64."""
    lab = reference_lab(foreground)
    drift = lab[..., :1] - local_lightness
    background_side = background_lightness - local_lightness
    towards_background = np.clip(drift, np.minimum(background_side, 0.0), np.maximum(background_side, 0.0))
    lab[..., :1] -= (1.0 - weight / FULL_WEIGHT) * towards_background
    return reference_rgb(lab)


def reference_lab(levels: np.ndarray) -> np.ndarray:
    """sRGB levels 0..255 [..., 3] → CIE Lab (D65)."""
    unit = levels / 255.0
    linear = np.where(unit <= SRGB_LINEAR_LIMIT, unit / 12.92, ((unit + 0.055) / 1.055) ** 2.4)
    relative = linear @ RELATIVE_XYZ_FROM_LINEAR_RGB.T
    f = np.where(relative > LAB_DELTA ** 3, np.cbrt(relative), relative / (3 * LAB_DELTA ** 2) + 4.0 / 29.0)
    return np.stack([116.0 * f[..., 1] - 16.0, 500.0 * (f[..., 0] - f[..., 1]), 200.0 * (f[..., 1] - f[..., 2])], axis=-1)


def reference_rgb(lab: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) → sRGB levels 0..255, out-of-gamut colours clipped."""
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    relative = np.where(f > LAB_DELTA, f ** 3, (f - 4.0 / 29.0) * 3 * LAB_DELTA ** 2)
    linear = np.clip(relative @ LINEAR_RGB_FROM_RELATIVE_XYZ.T, 0.0, 1.0)
    encoded = np.where(linear <= SRGB_ENCODED_LIMIT, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    return encoded * 255.0
