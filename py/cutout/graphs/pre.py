"""Pre-processing graph: decoded RGBA pixels → the network's input tensor.

    rgba     uint8   [height, width, 4]
    tensor   float32 [1, 3, S, S]        S = model.input_size

Alpha is dropped, the picture is resized to S × S whatever its aspect ratio (as the networks were
trained) with the smooth resize, then normalised the way the network expects (`model.normalisation`).
"""

import numpy as np
import onnx

from ..models import IMAGENET_MEAN, IMAGENET_STD, Model
from .builder import FLOAT, INT64, UINT8, GraphBuilder, choose
from .resize import reference_resize, resize_smooth

# "max-imagenet" divides by the brightest value; an all-black picture would divide zero by zero.
DARKEST_MAXIMUM = 1e-6
ISNET_CENTRE = 128.0
ISNET_SPREAD = 256.0


def build(model: Model) -> onnx.ModelProto:
    side = model.input_size
    normalise = choose(_NORMALISERS, model, "normalisation")
    g = GraphBuilder()
    rgb = g.op(
        "Slice", "rgba", g.constant("rgb_start", [0], INT64), g.constant("rgb_end", [3], INT64),
        g.constant("channel_axis", [2], INT64), out="rgb",
    )
    rgb_float = g.op("Cast", rgb, to=FLOAT, out="rgb_float")
    planes = g.op("Transpose", rgb_float, perm=[2, 0, 1], out="planes")
    batch = g.op("Unsqueeze", planes, g.constant("batch_axis", [0], INT64), out="batch")
    network_shape = g.constant("network_shape", [1, 3, side, side], INT64)
    resized = resize_smooth(g, batch, network_shape, out="resized")
    normalise(g, resized, out="tensor")
    return g.model(
        f"pre-{model.key}",
        f"RGBA pixels to the {model.title} input: drop alpha, smooth resize to {side}², "
        f"{model.normalisation} normalisation.",
        inputs=[("rgba", UINT8, ["height", "width", 4])],
        outputs=[("tensor", FLOAT, [1, 3, side, side])],
    )


def reference(rgba: np.ndarray, model: Model) -> np.ndarray:
    """What `build(model)` computes, in float64 numpy: [H, W, 4] uint8 → [1, 3, S, S] float32."""
    normalise = choose(_REFERENCE_NORMALISERS, model, "normalisation")
    side = model.input_size
    planes = rgba[..., :3].astype(np.float64).transpose(2, 0, 1)
    return normalise(reference_resize(planes, side, side))[None].astype(np.float32)


def _normalise_max_imagenet(g: GraphBuilder, planes: str, out: str) -> str:
    brightest = g.op("ReduceMax", planes, keepdims=1, out="brightest")
    divisor = g.op("Max", brightest, g.constant("darkest_maximum", DARKEST_MAXIMUM), out="divisor")
    unit = g.op("Div", planes, divisor, out="unit")
    mean = g.constant("imagenet_mean", IMAGENET_MEAN, shape=[1, 3, 1, 1])
    std = g.constant("imagenet_std", IMAGENET_STD, shape=[1, 3, 1, 1])
    centred = g.op("Sub", unit, mean, out="centred")
    return g.op("Div", centred, std, out=out)


def _reference_max_imagenet(planes: np.ndarray) -> np.ndarray:
    unit = planes / max(planes.max(), DARKEST_MAXIMUM)
    return (unit - np.reshape(IMAGENET_MEAN, (3, 1, 1))) / np.reshape(IMAGENET_STD, (3, 1, 1))


def _normalise_isnet(g: GraphBuilder, planes: str, out: str) -> str:
    centred = g.op("Sub", planes, g.constant("isnet_centre", ISNET_CENTRE), out="centred")
    return g.op("Div", centred, g.constant("isnet_spread", ISNET_SPREAD), out=out)


def _reference_isnet(planes: np.ndarray) -> np.ndarray:
    return (planes - ISNET_CENTRE) / ISNET_SPREAD


_NORMALISERS = {"max-imagenet": _normalise_max_imagenet, "isnet": _normalise_isnet}
_REFERENCE_NORMALISERS = {"max-imagenet": _reference_max_imagenet, "isnet": _reference_isnet}
