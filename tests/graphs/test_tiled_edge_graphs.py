"""The job's edge graphs: block means in bands (blocks), the picture's maps (estimate), tiles of rows with their scanlines (compose-tile)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cutout import edges
from cutout.graphs import blocks, compose, estimate, scanlines

from .samples import image_sizes, noise_rgba, seeds
from .test_compose_graph import TRANSPARENT, noise_alpha, run_compose, soft_disc
from .test_edge_graph import radii_schedules

DECONTAMINATE = np.array(1.0, dtype=np.float32)


def block_means(run_graph, rgba, alpha, block, rows_per_band):
    """The picture's block means from bands of `rows_per_band` rows (a whole number of blocks), joined."""
    return np.concatenate([run_graph("blocks.onnx", rgba=rgba[top:top + rows_per_band], alpha=alpha[top:top + rows_per_band],
                                     block=np.array([block])) for top in range(0, rgba.shape[0], rows_per_band)])


def tiled(run_graph, rgba, alpha, maps, block, rows_per_tile, background=TRANSPARENT):
    """Composes tile by tile the way the job does: each tile gets only the map rows it reaches, and
    all but the first the row above them as context. Checks each tile's scanlines on the way."""
    out = []
    for top in range(0, rgba.shape[0], rows_per_tile):
        rows = min(rows_per_tile, rgba.shape[0] - top)
        context = 1 if top else 0
        start = top - context
        first, end = edges.map_rows(start, rows + context, block, maps.shape[0])
        tile, lines = run_graph("compose-tile.onnx", rgba=rgba[start:top + rows], alpha=alpha[start:top + rows],
                                background=np.array(background, dtype=np.uint8), maps=maps[first:end],
                                top=np.array([start - first * block]), block=np.array([block]),
                                decontamination=DECONTAMINATE, context=np.array([context]))
        assert tile.shape == (rows, rgba.shape[1], 4)
        above = out[-1][-1] if out else np.zeros((rgba.shape[1], 4), dtype=np.uint8)
        np.testing.assert_array_equal(lines, scanlines.reference(tile, above))
        out.append(tile)
    return np.concatenate(out)


@settings(max_examples=30, deadline=None)
@given(size=image_sizes(90), seed=seeds, radii=radii_schedules, block=st.integers(1, 4), data=st.data())
def test_bands_and_tiles_give_what_the_single_compose_graph_gives(run_graph, size, seed, radii, block, data):
    height, width = size
    rgba, alpha = noise_rgba(seed, *size), noise_alpha(seed, *size)
    bands = block * data.draw(st.integers(1, -(-height // block)))
    low = block_means(run_graph, rgba, alpha, block, bands)
    maps = run_graph("estimate.onnx", low=low, radii=np.array(radii))
    assert maps.shape == (-(-height // block), edges.MAP_COUNT, -(-width // block))
    whole = run_compose(run_graph, rgba, alpha, TRANSPARENT, (0, 0), radii, block)
    np.testing.assert_array_equal(tiled(run_graph, rgba, alpha, maps, block, data.draw(st.integers(1, height))), whole)


def test_each_graph_matches_its_reference_on_a_photo(run_graph, photo):
    height, width = photo.shape[:2]
    alpha = soft_disc(height, width)
    block, radii = edges.block_size(width, height), edges.blur_radii(width, height)
    low = block_means(run_graph, photo, alpha, block, block * 16)
    # Coverage is rounded to whole steps: float32 against float64 may land on either side of .5.
    assert np.abs(low - blocks.reference(photo, alpha, block)).max() <= 1
    maps = run_graph("estimate.onnx", low=low, radii=np.array(radii))
    # Colours are rounded to whole levels between passes: float32 against float64 may round a
    # level either way, and the next pass carries it on, so the means may differ by a level or two.
    assert np.abs(maps - estimate.reference(low, radii)).max() <= 2.0
    composed = tiled(run_graph, photo, alpha, maps, block, 37)
    assert np.abs(composed.astype(int) - compose.reference_tile(photo, alpha, TRANSPARENT, maps, 0, block)).max() <= 1


@given(top=st.integers(0, 500), rows=st.integers(1, 60), rows_below=st.integers(0, 30), block=st.integers(1, 9))
def test_map_rows_are_exactly_the_rows_the_bilinear_step_reaches(top, rows, rows_below, block):
    map_count = -(-(top + rows + rows_below) // block)
    centres = (np.arange(top, top + rows) + 0.5) / block - 0.5
    reached = np.clip(np.concatenate([np.floor(centres), np.floor(centres) + 1]), 0, map_count - 1)
    assert edges.map_rows(top, rows, block, map_count) == (int(reached.min()), int(reached.max()) + 1)
