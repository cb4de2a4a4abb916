"""Hypothesis strategies and sample pixels shared by the graph tests."""

import numpy as np
from hypothesis import strategies as st


def image_sizes(max_side: int = 300):
    """(height, width) leaning towards the awkward: odd sides, single rows and columns, extreme aspect ratios.

    Keep `max_side` small for speed, but above the model side where shrinking has to be exercised.
    """
    sides = st.integers(1, max_side)
    slim = st.integers(1, 4)
    long = st.integers(max_side * 2 // 3, max_side)
    return st.one_of(
        st.tuples(sides, sides),
        st.tuples(st.just(1), sides),
        st.tuples(sides, st.just(1)),
        st.tuples(slim, long),
        st.tuples(long, slim),
    )


seeds = st.integers(0, 2**32 - 1)


def noise_rgba(seed: int, height: int, width: int) -> np.ndarray:
    """Random RGBA: the hardest content for a resampler, since every pixel differs from its neighbours."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 4), dtype=np.uint8)
