import asyncio
import io
import struct
import time

import numpy
import pytest
from PIL import Image

from cutout import edges, job
from cutout.encode import ZlibDeflater
from cutout.decode import PillowDecoder
from cutout.errors import CorruptImage, UnsupportedFormat
from cutout.job import JobOptions, JobState, parse_background, run_job
from cutout.native import NativeRuntime
from cutout.tensor import Tensor, int64_vector
from photos import encoded, photo

RUNTIME = NativeRuntime()


def cut(data: bytes, **options):
    events = []
    result = asyncio.run(run_job(data, runtime=RUNTIME, decoder=PillowDecoder(),
                                 options=JobOptions(**options), report=events.append))
    return result, events


def test_a_job_walks_every_state_in_order_and_names_its_stages():
    result, events = cut(encoded(photo("coffee", (300, 200))))
    states = [event["state"] for event in events]
    assert [s for i, s in enumerate(states) if i == 0 or s != states[i - 1]] == \
        ["preparing", "inferring", "refining", "encoding", "done"]
    stages = [event["stage"] for event in events if "stage" in event]
    assert stages == ["checking file", "decoding", "pre-processing", "inference", "refining edges", "encoding PNG", "checking PNG"]
    assert (result.width, result.height) == (300, 200)
    assert set(result.timings) >= {"decode", "pre", "inference", "mask", "compose", "encode", "verify"}


def test_a_failed_job_reports_failed_with_the_reason():
    events = []
    with pytest.raises(UnsupportedFormat):
        asyncio.run(run_job(b"%PDF-1.7\n...", runtime=RUNTIME, decoder=PillowDecoder(), report=events.append))
    assert events[-1]["state"] == "failed"
    assert events[-1]["code"] == "unsupported-format"
    assert "PDF" in events[-1]["message"]


def test_empty_input_is_refused_before_anything_runs():
    with pytest.raises(CorruptImage, match="empty"):
        cut(b"")


def test_the_state_machine_refuses_impossible_transitions():
    state = JobState(lambda event: None)
    state.enter("preparing")
    with pytest.raises(RuntimeError):
        state.enter("encoding")
    state.enter("cancelled")
    with pytest.raises(RuntimeError):
        state.enter("done")


def test_bands_and_tiles_compose_like_a_single_pass(monkeypatch):
    data = encoded(photo("chelsea", (257, 131)), "PNG")
    whole, _ = cut(data)
    monkeypatch.setattr(job, "BAND_PIXELS", 257 * 7)  # 19 bands, the last one short
    monkeypatch.setattr(job, "TILE_PIXELS", 257 * 5)  # 27 tiles, the last one short
    banded, _ = cut(data)
    assert banded.png == whole.png


def test_bands_on_reduced_blocks_and_tiles_across_them_compose_like_a_single_pass(monkeypatch):
    # Long side above edges.WORKING_LONG_SIDE: estimation runs on 3 × 3 blocks.
    data = encoded(photo("astronaut", (1400, 180)), "PNG")
    whole, _ = cut(data)
    monkeypatch.setattr(job, "BAND_PIXELS", 1400 * 25)  # odd rows per band, rounded down to whole blocks
    monkeypatch.setattr(job, "TILE_PIXELS", 1400 * 7)  # tiles that start anywhere inside a block
    banded, _ = cut(data)
    assert banded.png == whole.png


def test_the_job_composes_what_the_single_compose_graph_gives():
    # The editor refines regions with compose.onnx on its own: its answer must be the job's.
    width, height = 1400, 180
    result, _ = cut(encoded(photo("astronaut", (width, height)), "PNG"))
    feeds = {"rgba": Tensor("uint8", (height, width, 4), result.source.data),
             "alpha": Tensor("float32", (height, width), result.mask),
             "background": Tensor("uint8", (4,), bytes(4)), "margins": int64_vector((0, 0)),
             "radii": int64_vector(edges.blur_radii(width, height)),
             "block": int64_vector([edges.block_size(width, height)]),
             "decontamination": Tensor("float32", (), struct.pack("<f", 1.0))}
    single = asyncio.run(RUNTIME.run("compose.onnx", feeds, ["rgba_out"]))["rgba_out"]
    assert bytes(single.data) == bytes(result.cutout.data)


def test_the_png_is_deflated_tile_by_tile_while_the_job_composes(monkeypatch):
    class RecordingDeflater(ZlibDeflater):
        def write(self, data):
            written.append((states[-1], len(data)))
            super().write(data)

    written, states = [], []
    monkeypatch.setattr(job, "TILE_PIXELS", 300 * 20)  # 10 tiles
    result = asyncio.run(run_job(encoded(photo("coffee", (300, 200))), runtime=RUNTIME, decoder=PillowDecoder(),
                                 report=lambda event: states.append(event["state"]), deflater=RecordingDeflater()))
    assert [state for state, _ in written] == ["refining"] * 10  # each tile as it comes, before "encoding"
    assert sum(size for _, size in written) == 200 * (300 * 4 + 1)  # every row, with its filter byte
    assert numpy.array_equal(numpy.asarray(Image.open(io.BytesIO(result.png))),
                             numpy.frombuffer(result.cutout.data, numpy.uint8).reshape(200, 300, 4))


def test_deflating_in_the_job_is_timed_as_encoding_not_composing(monkeypatch):
    class SlowDeflater(ZlibDeflater):
        def write(self, data):
            time.sleep(0.05)
            super().write(data)

    monkeypatch.setattr(job, "TILE_PIXELS", 300 * 50)  # 4 tiles
    data = encoded(photo("coffee", (300, 200)))
    plain = asyncio.run(run_job(data, runtime=RUNTIME, decoder=PillowDecoder())).timings
    slow = asyncio.run(run_job(data, runtime=RUNTIME, decoder=PillowDecoder(), deflater=SlowDeflater())).timings
    assert slow["encode"] >= 0.2
    assert slow["compose"] < plain["compose"] + 0.1


def test_decontamination_changes_only_soft_edge_colours():
    data = encoded(photo("coffee", (300, 200)), "PNG")
    cleaned = numpy.asarray(Image.open(io.BytesIO(cut(data)[0].png)))
    kept = numpy.asarray(Image.open(io.BytesIO(cut(data, decontaminate=False)[0].png)))
    numpy.testing.assert_array_equal(cleaned[..., 3], kept[..., 3])
    soft = (kept[..., 3] > 0) & (kept[..., 3] < 255)
    numpy.testing.assert_array_equal(cleaned[~soft], kept[~soft])
    assert (cleaned[soft] != kept[soft]).any()


def test_an_animated_gif_is_cut_from_its_first_frame_with_a_notice():
    frames = [photo("coffee", (120, 80)), Image.new("RGB", (120, 80), "red")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    result, _ = cut(buffer.getvalue())
    assert any("animated" in notice for notice in result.notices)


def test_source_transparency_is_kept():
    image = photo("coffee", (64, 64)).convert("RGBA")
    image.putalpha(0)
    result, _ = cut(encoded(image, "PNG"))
    assert Image.open(io.BytesIO(result.png)).getchannel("A").getextrema() == (0, 0)


@pytest.mark.parametrize("text,expected", [("transparent", (0, 0, 0, 0)), ("#FF8000", (255, 128, 0, 255))])
def test_background_parsing(text, expected):
    assert parse_background(text) == expected


@pytest.mark.parametrize("text", ["red", "#12345", "#GG0000", ""])
def test_bad_backgrounds_are_refused_with_a_message(text):
    with pytest.raises(ValueError, match="#RRGGBB"):
        parse_background(text)
