import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest

from cutout import native
from cutout.graphs import build_all, serialise
from cutout.models import FLATTEN_GRAPH
from cutout.native import NativeRuntime, generated_graph
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


def test_generated_graphs_are_built_once_then_read_from_their_files_without_onnx(tmp_path, monkeypatch):
    monkeypatch.setenv("CUTOUT_GRAPHS", str(tmp_path))
    path = Path(generated_graph("compose-tile.onnx"))
    assert path.parent.parent == tmp_path
    assert path.read_bytes() == serialise(build_all()["compose-tile.onnx"])
    assert not list(path.parent.glob(".*"))  # no partial file left behind
    check = ("import sys; from cutout.native import NativeRuntime; "
             "NativeRuntime()._session('compose-tile.onnx'); print('onnx' in sys.modules)")
    fresh = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True,
                           env={**os.environ, "CUTOUT_GRAPHS": str(tmp_path), "PYTHONPATH": str(native.PACKAGE.parent)})
    assert fresh.stdout.strip() == "False"


def test_a_graph_cache_that_cannot_be_written_costs_only_the_build(tmp_path, monkeypatch):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setenv("CUTOUT_GRAPHS", str(blocked))
    assert generated_graph("scanlines.onnx") == serialise(build_all()["scanlines.onnx"])
    assert asyncio.run(each(NativeRuntime(), band_feeds(1)))  # and sessions still start from those bytes


def test_the_graph_cache_is_named_after_the_sources(tmp_path, monkeypatch):
    copy = tmp_path / "cutout"
    shutil.copytree(native.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(native, "PACKAGE", copy)
    before = native.sources_digest()
    assert native.sources_digest() == before
    edges = copy / "edges.py"
    edges.write_text(edges.read_text().replace("MAP_COUNT = 8", "MAP_COUNT = 8  # changed"))
    assert native.sources_digest() != before
