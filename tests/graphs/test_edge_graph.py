"""Soft-edge colours in the compose graph: foreground estimation, lightness restoration, bands with context."""

import numpy as np
import pytest
import skimage.color
from hypothesis import given, settings
from hypothesis import strategies as st

from cutout import edges
from cutout.graphs import compose, edge
from cutout.graphs.resize import reference_resize

from .samples import image_sizes, noise_rgba, seeds
from .test_compose_graph import OPAQUE_GREEN, TRANSPARENT, noise_alpha, run_compose, soft_disc

radii_schedules = st.lists(st.integers(1, 12), min_size=4, max_size=4).map(lambda r: tuple(sorted(r, reverse=True)))


def banded(run_graph, rgba, alpha, background, rows_per_band, radii, block):
    """Composes band by band the way the job does: bands on block boundaries, context rows around each."""
    height = rgba.shape[0]
    context = block * (sum(radii) + 1)
    out = []
    for top in range(0, height, rows_per_band):
        bottom = min(top + rows_per_band, height)
        first, last = max(0, top - context), min(height, bottom + context)
        out.append(run_compose(run_graph, rgba[first:last], alpha[first:last], background,
                               (top - first, last - bottom), radii, block))
    return np.concatenate(out)


def edge_scene(height=96, width=128, seed=0):
    """A saturated foreground disc with a 6-pixel soft rim over a green-grey texture: (rgba, alpha, true RGB)."""
    rng = np.random.default_rng(seed)
    rows, columns = np.indices((height, width))
    distance = np.hypot(rows - height / 2, columns - width / 2)
    alpha = np.clip((min(height, width) / 3 - distance) / 6, 0.0, 1.0).astype(np.float32)
    foreground = np.broadcast_to(np.array([220.0, 40.0, 60.0]), (height, width, 3))
    background = np.array([40.0, 170.0, 70.0]) + rng.uniform(-25, 25, (height, width, 1))
    image = alpha[..., None] * foreground + (1 - alpha[..., None]) * background
    rgba = np.concatenate([np.rint(image), np.full((height, width, 1), 255.0)], axis=-1).astype(np.uint8)
    return rgba, alpha, foreground


@settings(max_examples=40, deadline=None)
@given(size=image_sizes(120), seed=seeds, radii=radii_schedules, block=st.integers(1, 4), data=st.data())
def test_matches_reference_with_any_margins_radii_and_block(run_graph, size, seed, radii, block, data):
    height, width = size
    above = data.draw(st.integers(0, height - 1))
    below = data.draw(st.integers(0, height - 1 - above))
    rgba, alpha = noise_rgba(seed, *size), noise_alpha(seed, *size)
    composed = run_compose(run_graph, rgba, alpha, TRANSPARENT, (above, below), radii, block)
    assert composed.shape == (height - above - below, width, 4)
    expected = compose.reference(rgba, alpha, TRANSPARENT, (above, below), radii, block)
    # Rounding float32 against float64 may land on either side of .5.
    assert np.abs(composed.astype(int) - expected).max() <= 1


def test_photo_matches_reference(run_graph, photo):
    alpha = soft_disc(*photo.shape[:2])
    radii = edges.blur_radii(photo.shape[1], photo.shape[0])
    composed = run_compose(run_graph, photo, alpha, OPAQUE_GREEN, radii=radii, block=2)
    assert np.abs(composed.astype(int) - compose.reference(photo, alpha, OPAQUE_GREEN, radii=radii, block=2)).max() <= 1


@pytest.mark.parametrize("block", [1, 3])
@pytest.mark.parametrize("background", [TRANSPARENT, OPAQUE_GREEN], ids=["transparent", "opaque"])
def test_bands_with_context_compose_exactly_like_the_whole(run_graph, background, block):
    rgba, alpha, _ = edge_scene(101, 64)
    alpha[::7] = 0.0  # some rows without any soft pixel
    radii = (6, 3, 2, 1)
    whole = run_compose(run_graph, rgba, alpha, background, radii=radii, block=block)
    np.testing.assert_array_equal(banded(run_graph, rgba, alpha, background, 6 * block, radii, block), whole)


def test_estimation_recovers_the_foreground_colour_on_the_soft_rim(run_graph):
    rgba, alpha, foreground = edge_scene()
    soft = (alpha > 0.02) & (alpha < 0.98)
    cleaned = run_compose(run_graph, rgba, alpha, TRANSPARENT, radii=(12, 6, 2, 1))
    kept = run_compose(run_graph, rgba, alpha, TRANSPARENT, radii=(12, 6, 2, 1), decontamination=0.0)
    error = np.abs(cleaned[soft][:, :3] - foreground[soft]).mean()
    error_kept = np.abs(kept[soft][:, :3] - foreground[soft]).mean()
    assert error < 0.2 * error_kept


def test_only_soft_pixels_change_and_alpha_never_does(run_graph):
    rgba, alpha, _ = edge_scene()
    cleaned = run_compose(run_graph, rgba, alpha, TRANSPARENT)
    kept = run_compose(run_graph, rgba, alpha, TRANSPARENT, decontamination=0.0)
    np.testing.assert_array_equal(cleaned[..., 3], kept[..., 3])
    np.testing.assert_array_equal(kept[..., 3], np.rint(alpha * 255))
    hard = (kept[..., 3] == 0) | (kept[..., 3] == 255)
    np.testing.assert_array_equal(cleaned[hard], rgba[hard] * np.where(kept[hard][:, 3:] == 0, [1, 1, 1, 0], 1))
    assert (cleaned[~hard][:, :3] != rgba[~hard][:, :3]).any()


def test_without_decontamination_soft_pixels_keep_the_source_colour(run_graph):
    rgba, alpha = noise_rgba(3, 40, 50), noise_alpha(4, 40, 50)
    rgba[..., 3] = 255
    kept = run_compose(run_graph, rgba, alpha, TRANSPARENT, decontamination=0.0)
    visible = kept[..., 3] > 0
    np.testing.assert_array_equal(kept[visible][:, :3], rgba[visible][:, :3])


@pytest.mark.parametrize("level", [0.0, 1.0])
def test_a_mask_without_soft_pixels_passes_through(run_graph, photo, level):
    alpha = np.full(photo.shape[:2], level, dtype=np.float32)
    composed = run_compose(run_graph, photo, alpha, TRANSPARENT, block=2)
    np.testing.assert_array_equal(composed[..., :3], photo[..., :3])


def test_lab_reference_agrees_with_scikit_image():
    levels = noise_rgba(11, 30, 30)[..., :3].astype(np.float64)
    lab = edge.reference_lab(levels)
    np.testing.assert_allclose(lab, skimage.color.rgb2lab(levels / 255.0), atol=1e-3)
    np.testing.assert_allclose(edge.reference_rgb(lab), levels, atol=1e-6)


def test_lightness_restoration_takes_back_drift_towards_the_background_only():
    red = np.array([[200.0, 60.0, 60.0]])
    local, darker, lighter = edge.reference_lab(red)[:, :1], np.array([[10.0]]), np.array([[90.0]])
    half = np.array([[127.5]])
    dimmed = red * 0.8
    drifted_dark = edge.reference_restore_lightness(dimmed, local, darker, half)
    assert edge.reference_lab(dimmed)[0, 0] < edge.reference_lab(drifted_dark)[0, 0] < local[0, 0]
    np.testing.assert_allclose(edge.reference_restore_lightness(dimmed, local, lighter, half), dimmed, atol=1e-9)


def test_box_sums_count_only_pixels_inside():
    values = np.random.default_rng(2).integers(0, 9, (7, 9, 2)).astype(np.float64)
    sums = edge.reference_box_sums(values, 2)
    for row, column in [(0, 0), (3, 4), (6, 8), (1, 7)]:
        window = values[max(0, row - 2):row + 3, max(0, column - 2):column + 3]
        np.testing.assert_allclose(sums[row, column], window.sum(axis=(0, 1)))


@pytest.mark.parametrize("block", [1, 2, 5])
def test_upsampling_is_bilinear_resize(block):
    maps = np.random.default_rng(3).uniform(0, 255, (6, 9, 2))
    expected = np.stack([reference_resize(maps[..., c], 6 * block, 9 * block) for c in range(2)], axis=-1)
    np.testing.assert_allclose(edge.reference_upsample(maps, block), expected, atol=1e-9)


def test_radii_scale_with_the_long_side_and_context_is_whole_blocks():
    assert edges.blur_radii(640, 480) == edges.RADII_AT_REFERENCE and edges.block_size(640, 480) == 1
    assert edges.blur_radii(1, 1) == (1, 1, 1, 1)
    assert edges.blur_radii(1280, 200) == edges.RADII_AT_REFERENCE and edges.block_size(1280, 200) == 2
    assert edges.blur_radii(1000, 200) == tuple(round(r * 500 / 640) for r in edges.RADII_AT_REFERENCE)
    for width, height in [(4000, 3000), (3000, 4000), (1281, 10), (32767, 1500)]:
        block = edges.block_size(width, height)
        assert block > 1 and max(width, height) / block <= edges.WORKING_LONG_SIDE
        assert edges.context_rows(width, height) % block == 0
