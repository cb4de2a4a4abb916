from hypothesis import given, strategies as st

from cutout import sizing
from cutout.models import MODELS

sides = st.integers(min_value=1, max_value=60_000)


@given(sides, sides)
def test_pre_copy_never_exceeds_the_cap_and_keeps_the_aspect_ratio(width, height):
    plan = sizing.plan(width, height, MODELS["best"])
    assert (plan.width, plan.height) == (width, height)
    assert max(plan.pre_width, plan.pre_height) <= sizing.PRE_MAX_SIDE
    assert plan.pre_width >= 1 and plan.pre_height >= 1
    if max(width, height) <= sizing.PRE_MAX_SIDE:
        assert not plan.needs_pre_downscale
    else:
        assert plan.needs_pre_downscale
        scale = sizing.PRE_MAX_SIDE / max(width, height)
        # Each side is the exact scaled side rounded to a whole pixel (never below one).
        assert abs(plan.pre_width - max(1, width * scale)) <= 0.5 + 1e-9
        assert abs(plan.pre_height - max(1, height * scale)) <= 0.5 + 1e-9


def test_model_side_comes_from_the_model_table():
    assert sizing.plan(10, 10, MODELS["fast"]).model_side == 320
    assert sizing.plan(10, 10, MODELS["best"]).model_side == 1024


def test_a_48_megapixel_photo_is_preprocessed_from_a_4096_copy():
    plan = sizing.plan(8000, 6000, MODELS["fast"])
    assert (plan.pre_width, plan.pre_height) == (4096, 3072)
