"""Mask graph: the network's prediction → a soft alpha matte at the picture's own size.

    prediction  float32 [1, 1, S, S]     S = model.input_size
    size        int64   [2]              (height, width) of the picture
    alpha       float32 [height, width]  in 0..1, never thresholded

The prediction is first brought to 0..1 (`model.output_scaling`), then smoothly resized.
"""

import numpy as np
import onnx

from ..models import Model
from .builder import FLOAT, INT64, GraphBuilder, choose
from .resize import reference_resize, resize_smooth

# A prediction whose values spread less than this has no contrast to stretch ("minmax"): it is
# taken at face value, clamped, so a uniformly confident network keeps its answer.
FLAT_SPREAD = 1e-6


def build(model: Model) -> onnx.ModelProto:
    side = model.input_size
    to_unit_range = choose(_SCALERS, model, "output_scaling")
    g = GraphBuilder()
    unit = to_unit_range(g, "prediction", out="unit")
    sizes = g.op("Concat", g.constant("batch_and_channel", [1, 1], INT64), "size", axis=0, out="sizes")
    resized = resize_smooth(g, unit, sizes, out="resized")
    plane = g.op("Squeeze", resized, g.constant("batch_and_channel_axes", [0, 1], INT64), out="plane")
    # The filter weights are non-negative, so this only mops up float rounding.
    _clamp_to_unit(g, plane, out="alpha")
    return g.model(
        f"mask-{model.key}",
        f"{model.title} prediction to an alpha matte: {model.output_scaling} to 0..1, smooth resize to (height, width).",
        inputs=[("prediction", FLOAT, [1, 1, side, side]), ("size", INT64, [2])],
        outputs=[("alpha", FLOAT, ["height", "width"])],
    )


def reference(prediction: np.ndarray, height: int, width: int, model: Model) -> np.ndarray:
    """What `build(model)` computes, in float64 numpy: [1, 1, S, S] → [height, width] float32."""
    to_unit_range = choose(_REFERENCE_SCALERS, model, "output_scaling")
    unit = to_unit_range(prediction[0, 0].astype(np.float64))
    return np.clip(reference_resize(unit, height, width), 0.0, 1.0).astype(np.float32)


def _clamp_to_unit(g: GraphBuilder, values: str, out: str) -> str:
    return g.op("Clip", values, g.constant("zero", 0.0), g.constant("one", 1.0), out=out)


def _reference_clip(prediction: np.ndarray) -> np.ndarray:
    return np.clip(prediction, 0.0, 1.0)


def _stretch_min_max(g: GraphBuilder, prediction: str, out: str) -> str:
    lowest = g.op("ReduceMin", prediction, keepdims=1, out="lowest")
    highest = g.op("ReduceMax", prediction, keepdims=1, out="highest")
    spread = g.op("Sub", highest, lowest, out="spread")
    flat_spread = g.constant("flat_spread", FLAT_SPREAD)
    has_contrast = g.op("Greater", spread, flat_spread, out="has_contrast")
    shifted = g.op("Sub", prediction, lowest, out="shifted")
    # Where() evaluates both branches: keep the unused one finite on a flat prediction.
    divisor = g.op("Max", spread, flat_spread, out="divisor")
    stretched = g.op("Div", shifted, divisor, out="stretched")
    clamped = _clamp_to_unit(g, prediction, out="clamped")
    return g.op("Where", has_contrast, stretched, clamped, out=out)


def _reference_min_max(prediction: np.ndarray) -> np.ndarray:
    lowest, highest = prediction.min(), prediction.max()
    if highest - lowest > FLAT_SPREAD:
        return (prediction - lowest) / (highest - lowest)
    return _reference_clip(prediction)


_SCALERS = {"minmax": _stretch_min_max, "clip": _clamp_to_unit}
_REFERENCE_SCALERS = {"minmax": _reference_min_max, "clip": _reference_clip}
