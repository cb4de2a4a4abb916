import asyncio

import numpy
import pytest

from cutout.models import FLATTEN_GRAPH
from cutout.native import NativeRuntime
from cutout.tensor import Tensor


def band_feeds(count: int):
    rng = numpy.random.default_rng(7)
    for rows in range(1, count + 1):
        rgba = rng.integers(0, 256, (rows * 3, 17, 4), dtype=numpy.uint8)
        yield {"rgba": Tensor("uint8", rgba.shape, rgba.tobytes()), "backdrop": Tensor("uint8", (1, 1, 4), bytes([9, 80, 200, 255]))}


async def each(runtime: NativeRuntime, feeds) -> list[bytes]:
    return [bytes(out["rgba_out"].data) async for out in runtime.run_each(FLATTEN_GRAPH, feeds, ["rgba_out"])]


@pytest.mark.parametrize("cores", [1, 3])
def test_run_each_gives_what_runs_one_by_one_in_the_order_of_the_feeds(cores):
    runtime = NativeRuntime()
    runtime.cores = cores  # 3: more workers than this machine may have cores, and runs that finish out of order
    one_by_one = [bytes(asyncio.run(runtime.run(FLATTEN_GRAPH, feed, ["rgba_out"]))["rgba_out"].data) for feed in band_feeds(7)]
    assert asyncio.run(each(runtime, band_feeds(7))) == one_by_one
    assert len(set(map(len, one_by_one))) == 7  # bands of different sizes: a mix-up would show


def test_run_each_of_nothing_yields_nothing():
    assert asyncio.run(each(NativeRuntime(), [])) == []
