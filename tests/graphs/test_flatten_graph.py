import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cutout.graphs import flatten

from .samples import image_sizes, noise_rgba, seeds

colours = st.lists(st.integers(0, 255), min_size=4, max_size=4).map(
    lambda values: np.array(values, dtype=np.uint8).reshape(1, 1, 4))


def run_flatten(run_graph, rgba, backdrop):
    return run_graph("flatten.onnx", rgba=rgba, backdrop=backdrop)


def assert_matches_reference(run_graph, rgba, backdrop):
    flattened = run_flatten(run_graph, rgba, backdrop)
    assert flattened.shape == rgba.shape and flattened.dtype == np.uint8
    # Rounding float32 against float64 may land on either side of .5.
    assert np.abs(flattened.astype(int) - flatten.reference(rgba, backdrop)).max() <= 1


@settings(max_examples=40, deadline=None)
@given(size=image_sizes(), seed=seeds, colour=colours)
def test_over_a_colour_matches_the_reference(run_graph, size, seed, colour):
    assert_matches_reference(run_graph, noise_rgba(seed, *size), colour)


@settings(max_examples=40, deadline=None)
@given(size=image_sizes(), seed=seeds)
def test_over_a_picture_matches_the_reference(run_graph, size, seed):
    assert_matches_reference(run_graph, noise_rgba(seed, *size), noise_rgba(seed + 1, *size))


def test_an_opaque_backdrop_makes_every_pixel_opaque_and_shows_where_the_cutout_is_clear(run_graph):
    rgba = noise_rgba(7, 40, 30)
    rgba[:10, ..., 3] = 0
    red = np.array([[[255, 0, 0, 255]]], dtype=np.uint8)
    out = run_flatten(run_graph, rgba, red)
    assert (out[..., 3] == 255).all()
    assert (out[:10] == red[0, 0]).all()


def test_opaque_pixels_keep_their_colour_and_a_clear_backdrop_changes_nothing(run_graph):
    rgba = noise_rgba(3, 20, 20)
    rgba[..., 3] = 255
    assert np.array_equal(run_flatten(run_graph, rgba, np.array([[[9, 99, 199, 255]]], dtype=np.uint8)), rgba)
    soft = noise_rgba(4, 20, 20)
    assert np.array_equal(run_flatten(run_graph, soft, np.zeros((1, 1, 4), dtype=np.uint8)), soft)
