"""Smooth resizing of the last two axes, as an ONNX node and as its numpy reference.

Both are the antialiased bilinear ("triangle") filter with half-pixel centres: when shrinking, the
triangle widens by the shrink factor so that every source pixel contributes and fine detail does not
alias; when enlarging it is plain bilinear interpolation. Beyond the border, edge pixels repeat.
"""

import numpy as np

from .builder import GraphBuilder


def resize_smooth(g: GraphBuilder, image: str, sizes: str, out: str) -> str:
    """Resizes `image` to the int64 shape `sizes` (same rank; only the last two axes may change)."""
    no_roi = no_scales = ""
    return g.op(
        "Resize", image, no_roi, no_scales, sizes, out=out,
        mode="linear", coordinate_transformation_mode="half_pixel", antialias=1,
    )


def resize_weights(source_size: int, target_size: int) -> np.ndarray:
    """[target_size, source_size] matrix: row i holds the weights of every source pixel in target pixel i."""
    stretch = source_size / target_size
    filter_radius = max(stretch, 1.0)
    target_centres = (np.arange(target_size) + 0.5) * stretch
    # Taps that fall beyond the border read the edge pixel: ONNX Resize pads by repeating it.
    # `reach` is how far past either border the widest triangle can touch.
    reach = int(np.ceil(filter_radius)) + 1
    taps = np.arange(-reach, source_size + reach)
    distance = np.abs((taps + 0.5)[None, :] - target_centres[:, None])
    tap_weights = np.clip(1.0 - distance / filter_radius, 0.0, None)
    tap_weights /= tap_weights.sum(axis=1, keepdims=True)
    tap_source = np.clip(taps, 0, source_size - 1)[:, None] == np.arange(source_size)[None, :]
    return tap_weights @ tap_source


def reference_resize(planes: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resizes the last two axes of `planes` ([..., H, W], float64) to height × width."""
    rows = resize_weights(planes.shape[-2], height)
    columns = resize_weights(planes.shape[-1], width)
    return rows @ planes @ columns.T
