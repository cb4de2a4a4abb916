import numpy as np
from hypothesis import given, settings

from cutout.graphs import scanlines

from .samples import image_sizes, noise_rgba, seeds


def run_scanlines(run_graph, rgba, above):
    return run_graph("scanlines.onnx", rgba=rgba, above=above)


@settings(max_examples=40, deadline=None)
@given(size=image_sizes(), seed=seeds)
def test_scanlines_match_the_reference(run_graph, size, seed):
    rgba = noise_rgba(seed, *size)
    above = noise_rgba(seed + 1, 1, size[1])[0]
    lines = run_scanlines(run_graph, rgba, above)
    assert lines.dtype == np.uint8 and lines.shape == (size[0], 1 + 4 * size[1])
    assert np.array_equal(lines, scanlines.reference(rgba, above))


def test_adding_each_byte_to_the_one_above_gives_the_rows_back(run_graph, photo):
    """What a PNG decoder does with filter type 2, from the zeros above the first row on."""
    lines = run_scanlines(run_graph, photo, np.zeros(photo.shape[1:], dtype=np.uint8))
    assert (lines[:, 0] == scanlines.FILTER_UP).all()
    rows = np.cumsum(lines[:, 1:].astype(np.int64), axis=0) % 256
    assert np.array_equal(rows.astype(np.uint8), photo.reshape(photo.shape[0], -1))


def test_the_first_row_below_zeros_is_stored_as_it_is(run_graph):
    rgba = noise_rgba(5, 1, 33)
    lines = run_scanlines(run_graph, rgba, np.zeros((33, 4), dtype=np.uint8))
    assert np.array_equal(lines[0, 1:], rgba.reshape(-1))
