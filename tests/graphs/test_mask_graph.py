import numpy as np
import pytest
from hypothesis import given, settings

from cutout.graphs import mask
from cutout.graphs.resize import reference_resize
from cutout.models import MODELS

from .samples import image_sizes, seeds

# 1/255 of the 0..1 range is the budget; float32 against float64 stays far below this.
ALPHA_TOLERANCE = 0.5 / 255


def run_mask(run_graph, key: str, prediction: np.ndarray, height: int, width: int) -> np.ndarray:
    return run_graph(f"mask-{key}.onnx", prediction=prediction, size=np.array([height, width], dtype=np.int64))


def noise_prediction(seed: int, key: str) -> np.ndarray:
    """Random network output, a little outside 0..1 so that clamping is exercised too."""
    side = MODELS[key].input_size
    return np.random.default_rng(seed).uniform(-0.25, 1.25, (1, 1, side, side)).astype(np.float32)


def assert_matches_reference(run_graph, key: str, prediction: np.ndarray, height: int, width: int):
    alpha = run_mask(run_graph, key, prediction, height, width)
    assert alpha.shape == (height, width) and alpha.dtype == np.float32
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    expected = mask.reference(prediction, height, width, MODELS[key])
    assert np.abs(alpha - expected).max() <= ALPHA_TOLERANCE


# Beyond the 320 side, so that enlarging is exercised too.
@settings(max_examples=30, deadline=None)
@given(size=image_sizes(max_side=1000), seed=seeds)
def test_fast_matches_reference(run_graph, size, seed):
    assert_matches_reference(run_graph, "fast", noise_prediction(seed, "fast"), *size)


@settings(max_examples=20, deadline=None)
@given(size=image_sizes(), seed=seeds)
def test_best_matches_reference(run_graph, size, seed):
    assert_matches_reference(run_graph, "best", noise_prediction(seed, "best"), *size)


@pytest.mark.parametrize("key", MODELS)
def test_photo_sized_mask_is_soft(run_graph, photo, key):
    # A soft stand-in for a prediction: the photo's brightness, at the network's side.
    side = MODELS[key].input_size
    brightness = photo[..., :3].mean(axis=-1) / 255.0
    prediction = reference_resize(brightness, side, side)[None, None].astype(np.float32)
    height, width = photo.shape[:2]
    assert_matches_reference(run_graph, key, prediction, height, width)
    alpha = run_mask(run_graph, key, prediction, height, width)
    partly_transparent = np.mean((alpha > 0.02) & (alpha < 0.98))
    assert partly_transparent > 0.5
    assert len(np.unique(alpha)) > 1000


def test_minmax_stretches_to_the_full_range(run_graph):
    side = MODELS["fast"].input_size
    prediction = np.random.default_rng(3).uniform(0.2, 0.6, (1, 1, side, side)).astype(np.float32)
    alpha = run_mask(run_graph, "fast", prediction, side, side)
    assert alpha.min() == 0.0
    assert alpha.max() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("level, expected", [(0.7, 0.7), (1.3, 1.0), (-0.2, 0.0)])
def test_flat_prediction_is_taken_at_face_value(run_graph, level, expected):
    side = MODELS["fast"].input_size
    prediction = np.full((1, 1, side, side), level, dtype=np.float32)
    alpha = run_mask(run_graph, "fast", prediction, 50, 70)
    np.testing.assert_allclose(alpha, expected, atol=1e-6)


def test_clip_scaling_clamps_without_stretching(run_graph):
    side = MODELS["best"].input_size
    prediction = np.full((1, 1, side, side), 0.25, dtype=np.float32)
    prediction[..., : side // 2, :] = 1.5
    alpha = run_mask(run_graph, "best", prediction, side, side)
    np.testing.assert_allclose(alpha[: side // 2], 1.0)
    np.testing.assert_allclose(alpha[side // 2 :], 0.25)
