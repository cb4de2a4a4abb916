import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cutout.edges import RADII_AT_REFERENCE
from cutout.graphs import compose

from .samples import image_sizes, noise_rgba, seeds

TRANSPARENT = np.array([0, 0, 0, 0], dtype=np.uint8)
OPAQUE_GREEN = np.array([20, 200, 40, 255], dtype=np.uint8)

backgrounds = st.one_of(
    st.just(TRANSPARENT),
    st.just(OPAQUE_GREEN),
    st.lists(st.integers(0, 255), min_size=4, max_size=4).map(lambda values: np.array(values, dtype=np.uint8)),
)


def run_compose(run_graph, rgba, alpha, background, margins=(0, 0), radii=RADII_AT_REFERENCE, block=1,
                decontamination=1.0) -> np.ndarray:
    return run_graph("compose.onnx", rgba=rgba, alpha=alpha, background=background,
                     margins=np.array(margins, dtype=np.int64), radii=np.array(radii, dtype=np.int64),
                     block=np.array([block], dtype=np.int64), decontamination=np.array(decontamination, dtype=np.float32))


def noise_alpha(seed: int, height: int, width: int) -> np.ndarray:
    """A random mask, a little outside 0..1 so that exact 0s and 1s (after clamping) occur too."""
    return np.random.default_rng(seed).uniform(-0.2, 1.2, (height, width)).astype(np.float32)


def soft_disc(height: int, width: int) -> np.ndarray:
    """A centred disc fading out over its outer half: solid, soft and empty regions in one mask."""
    rows, columns = np.indices((height, width))
    radius = np.hypot((rows - height / 2) / height, (columns - width / 2) / width) * 2
    return np.clip(2.0 - 2.0 * radius, 0.0, 1.0).astype(np.float32)


def assert_matches_reference(run_graph, rgba, alpha, background):
    composed = run_compose(run_graph, rgba, alpha, background)
    assert composed.shape == rgba.shape and composed.dtype == np.uint8
    expected = compose.reference(rgba, alpha, background)
    # Rounding float32 against float64 may land on either side of .5.
    assert np.abs(composed.astype(int) - expected).max() <= 1


@settings(max_examples=40, deadline=None)
@given(size=image_sizes(), seed=seeds, background=backgrounds)
def test_matches_reference(run_graph, size, seed, background):
    assert_matches_reference(run_graph, noise_rgba(seed, *size), noise_alpha(seed, *size), background)


@pytest.mark.parametrize("background", [TRANSPARENT, OPAQUE_GREEN], ids=["transparent", "opaque"])
def test_photo_matches_reference(run_graph, photo, background):
    assert_matches_reference(run_graph, photo, soft_disc(*photo.shape[:2]), background)


def test_transparent_background_keeps_rgb_where_alpha_is_zero(run_graph):
    rgba = noise_rgba(5, 31, 47)
    alpha = noise_alpha(6, 31, 47)
    alpha[::3] = 0.0
    composed = run_compose(run_graph, rgba, alpha, TRANSPARENT)
    cleared = alpha == 0.0
    np.testing.assert_array_equal(composed[cleared][:, :3], rgba[cleared][:, :3])
    assert (composed[cleared][:, 3] == 0).all()


def test_opaque_background_flattens(run_graph):
    rgba = noise_rgba(7, 31, 47)
    alpha = noise_alpha(8, 31, 47)
    alpha[::3] = 0.0
    composed = run_compose(run_graph, rgba, alpha, OPAQUE_GREEN)
    assert (composed[..., 3] == 255).all()
    np.testing.assert_array_equal(composed[alpha == 0.0], np.broadcast_to(OPAQUE_GREEN, composed[alpha == 0.0].shape))


def test_full_mask_keeps_the_source(run_graph, photo):
    alpha = np.ones(photo.shape[:2], dtype=np.float32)
    np.testing.assert_array_equal(run_compose(run_graph, photo, alpha, TRANSPARENT), photo)


def test_source_alpha_scales_the_mask(run_graph):
    rgba = np.array([[[200, 100, 50, 128]]], dtype=np.uint8)
    composed = run_compose(run_graph, rgba, np.array([[0.5]], dtype=np.float32), TRANSPARENT)
    np.testing.assert_array_equal(composed, [[[200, 100, 50, 64]]])


