"""Compose graph: source pixels + cutout mask → the finished RGBA, laid "over" a background colour.

    rgba        uint8   [h, w, 4]   source pixels (straight alpha)
    alpha       float32 [h, w]      cutout mask in 0..1
    background  uint8   [4]         RGBA; [0, 0, 0, 0] for a transparent result
    rgba_out    uint8   [h, w, 4]   straight alpha

Purely per pixel, so callers may pass any horizontal band of rows instead of the whole picture.
Where nothing is left (output alpha 0) the source RGB is kept rather than zeroed, so that the colour
under a transparent pixel survives for editors that reveal it again.
"""

import numpy as np
import onnx

from .builder import FLOAT, INT64, UINT8, GraphBuilder

# Where() evaluates both branches: keeps the division in the unused one finite (float32 tiny).
SMALLEST_DIVISOR = float(np.finfo(np.float32).tiny)


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    source_rgb, source_opacity = _colour_and_opacity(g, "rgba", "source")
    mask = g.op("Unsqueeze", "alpha", g.constant("channel_axis", [-1], INT64), out="mask")
    # The mask may come from any refinement step: keep it a proportion.
    mask_clamped = g.op("Clip", mask, g.constant("zero", 0.0), g.constant("one", 1.0), out="mask_clamped")
    coverage = g.op("Mul", mask_clamped, source_opacity, out="coverage")
    foreground_rgb = estimate_foreground(g, source_rgb, coverage)
    backdrop_rgb, backdrop_opacity = _colour_and_opacity(g, "background", "backdrop")

    uncovered = g.op("Sub", g.constant("one", 1.0), coverage, out="uncovered")
    backdrop_share = g.op("Mul", backdrop_opacity, uncovered, out="backdrop_share")
    opacity = g.op("Add", coverage, backdrop_share, out="opacity")
    foreground_part = g.op("Mul", foreground_rgb, coverage, out="foreground_part")
    backdrop_part = g.op("Mul", backdrop_rgb, backdrop_share, out="backdrop_part")
    premultiplied = g.op("Add", foreground_part, backdrop_part, out="premultiplied")
    divisor = g.op("Max", opacity, g.constant("smallest_divisor", SMALLEST_DIVISOR), out="divisor")
    straight = g.op("Div", premultiplied, divisor, out="straight")
    visible = g.op("Greater", opacity, g.constant("zero", 0.0), out="visible")
    rgb = g.op("Where", visible, straight, source_rgb, out="rgb")

    alpha_255 = g.op("Mul", opacity, g.constant("full", 255.0), out="alpha_255")
    channels = g.op("Concat", rgb, alpha_255, axis=-1, out="channels")
    rounded = g.op("Round", channels, out="rounded")
    in_range = g.op("Clip", rounded, g.constant("zero", 0.0), g.constant("full", 255.0), out="in_range")
    g.op("Cast", in_range, to=UINT8, out="rgba_out")
    return g.model(
        "compose",
        "Cut-out RGBA composed over a background colour; straight alpha, per pixel.",
        inputs=[("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("background", UINT8, [4])],
        outputs=[("rgba_out", UINT8, ["h", "w", 4])],
    )


def estimate_foreground(g: GraphBuilder, source_rgb: str, coverage: str) -> str:
    """The place for edge decontamination: returns the foreground RGB to compose, [h, w, 3] in 0..255.

    Along soft edges a source pixel mixes the subject with the old background, which shows as a
    fringe over a new one. Foreground colour estimation plus Lab decontamination (its own issue) will
    rewrite the colour here from `source_rgb` and `coverage` ([h, w, 1] in 0..1). Until then the
    source colour is used as is. Note that estimation looks at neighbours, so band callers will then
    have to pass overlapping rows.
    """
    return source_rgb


def _colour_and_opacity(g: GraphBuilder, rgba: str, role: str) -> tuple[str, str]:
    """Splits uint8 RGBA (last axis) into float RGB in 0..255 and opacity in 0..1."""
    channels = g.op("Cast", rgba, to=FLOAT, out=f"{role}_channels")
    last_axis = g.constant("last_axis", [-1], INT64)
    alpha_start = g.constant("alpha_start", [3], INT64)
    rgb = g.op("Slice", channels, g.constant("rgb_start", [0], INT64), alpha_start, last_axis, out=f"{role}_rgb")
    alpha = g.op("Slice", channels, alpha_start, g.constant("alpha_end", [4], INT64), last_axis, out=f"{role}_alpha")
    opacity = g.op("Div", alpha, g.constant("full", 255.0), out=f"{role}_opacity")
    return rgb, opacity


def reference(rgba: np.ndarray, alpha: np.ndarray, background) -> np.ndarray:
    """What `build()` computes, in float64 numpy: ([h, w, 4] uint8, [h, w] float, 4 values) → [h, w, 4] uint8."""
    source_rgb = rgba[..., :3].astype(np.float64)  # estimate_foreground() is still the identity
    coverage = np.clip(alpha.astype(np.float64), 0.0, 1.0)[..., None] * (rgba[..., 3:] / 255.0)
    backdrop = np.asarray(background, dtype=np.float64)
    backdrop_share = backdrop[3] / 255.0 * (1.0 - coverage)
    opacity = coverage + backdrop_share
    premultiplied = source_rgb * coverage + backdrop[:3] * backdrop_share
    with np.errstate(divide="ignore", invalid="ignore"):
        rgb = np.where(opacity > 0, premultiplied / opacity, source_rgb)
    channels = np.concatenate([rgb, opacity * 255.0], axis=-1)
    return np.clip(np.rint(channels), 0, 255).astype(np.uint8)
