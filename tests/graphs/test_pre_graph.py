import numpy as np
import pytest
from hypothesis import given, settings

from cutout.graphs import pre
from cutout.models import IMAGENET_MEAN, IMAGENET_STD, MODELS

from .samples import image_sizes, noise_rgba, seeds

# Half a grey level: well inside the 1/255-of-range budget, far above float32 noise.
PIXEL_TOLERANCE = 0.5


def to_pixels(tensor: np.ndarray, key: str) -> np.ndarray:
    """Undoes the normalisation so that differences read in grey levels of the 0..255 range."""
    if MODELS[key].normalisation == "isnet":
        return tensor * pre.ISNET_SPREAD + pre.ISNET_CENTRE
    std = np.reshape(IMAGENET_STD, (1, 3, 1, 1))
    mean = np.reshape(IMAGENET_MEAN, (1, 3, 1, 1))
    return (tensor * std + mean) * 255.0


def assert_matches_reference(run_graph, rgba: np.ndarray, key: str):
    tensor = run_graph(f"pre-{key}.onnx", rgba=rgba)
    side = MODELS[key].input_size
    assert tensor.shape == (1, 3, side, side) and tensor.dtype == np.float32
    difference = to_pixels(tensor, key) - to_pixels(pre.reference(rgba, MODELS[key]), key)
    assert np.abs(difference).max() <= PIXEL_TOLERANCE


# Beyond the 320 side, so that shrinking is exercised too.
@settings(max_examples=30, deadline=None)
@given(size=image_sizes(max_side=1000), seed=seeds)
def test_fast_matches_reference(run_graph, size, seed):
    assert_matches_reference(run_graph, noise_rgba(seed, *size), "fast")


@settings(max_examples=12, deadline=None)
@given(size=image_sizes(), seed=seeds)
def test_best_matches_reference(run_graph, size, seed):
    assert_matches_reference(run_graph, noise_rgba(seed, *size), "best")


@pytest.mark.parametrize("key", MODELS)
def test_photo_matches_reference(run_graph, photo, key):
    assert_matches_reference(run_graph, photo, key)


@pytest.mark.parametrize("key", MODELS)
def test_alpha_is_ignored(run_graph, key):
    rgba = noise_rgba(1, 37, 53)
    opaque = rgba.copy()
    opaque[..., 3] = 255
    np.testing.assert_array_equal(run_graph(f"pre-{key}.onnx", rgba=rgba), run_graph(f"pre-{key}.onnx", rgba=opaque))


@pytest.mark.parametrize("key", MODELS)
def test_black_image_stays_finite(run_graph, key):
    black = np.zeros((40, 30, 4), dtype=np.uint8)
    tensor = run_graph(f"pre-{key}.onnx", rgba=black)
    np.testing.assert_allclose(to_pixels(tensor, key), 0.0, atol=1e-3)


def test_downscale_is_antialiased(run_graph):
    # A one-pixel checkerboard shrunk 3×: sampling single pixels would keep its full contrast; the
    # widened triangle filter leaves a ninth of the alternation along each axis, an 81st in all.
    rows, columns = np.indices((960, 960))
    checkerboard = np.where((rows + columns) % 2, 255, 0).astype(np.uint8)
    rgba = np.stack([checkerboard] * 4, axis=-1)
    grey = to_pixels(run_graph("pre-fast.onnx", rgba=rgba), "fast")
    # Relative to the brightest value, so that the division by the maximum does not matter.
    remaining_contrast = (grey.max() - grey.min()) / grey.max()
    assert remaining_contrast < 0.05
