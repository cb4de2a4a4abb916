"""The development-set builder (scripts/evalset.py) and the benchmark's metrics (scripts/quality.py)."""

import asyncio
import io
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import evalset  # noqa: E402
import quality  # noqa: E402
from cutout.tensor import Tensor  # noqa: E402


def disc_emoji(seed: int, side: int = 64) -> np.ndarray:
    """A stand-in foreground: a coloured disc with an anti-aliased rim, RGBA uint8."""
    rng = np.random.default_rng(seed)
    rows, columns = np.indices((side, side))
    alpha = np.clip(side / 3 - np.hypot(rows - side / 2, columns - side / 2), 0, 1)
    rgb = np.broadcast_to(rng.integers(0, 256, 3), (side, side, 3))
    return np.concatenate([rgb, np.rint(alpha * 255)[..., None]], axis=-1).astype(np.uint8)


def small_set(seed: int):
    rng = np.random.default_rng(seed)
    emoji = [(f"e{i}", disc_emoji(i)) for i in range(3)]
    photos = [("noise", np.random.default_rng(9).integers(0, 256, (300, 400, 3), dtype=np.uint8))]
    return list(evalset.build(emoji, photos, rng))


def test_the_builder_is_deterministic():
    first, second = small_set(4), small_set(4)
    assert [evalset.digest(*sample[1:]) for sample in first] == [evalset.digest(*sample[1:]) for sample in second]
    assert [evalset.digest(*sample[1:]) for sample in small_set(5)] != [evalset.digest(*sample[1:]) for sample in first]


def test_samples_are_exact_composites_of_their_ground_truth():
    for _, image, alpha, foreground in small_set(1):
        assert image.shape == foreground.shape == evalset.CANVAS + (3,) and alpha.shape == evalset.CANVAS
        assert ((alpha > 0) & (alpha < 255)).any() and (alpha == 255).any()
        np.testing.assert_array_equal(image[alpha == 255], foreground[alpha == 255])
        assert (foreground[alpha == 0] == 0).all()


def test_written_sets_load_back(tmp_path):
    samples = small_set(2)
    manifest = evalset.write(tmp_path, samples)
    loaded = list(evalset.load(tmp_path))
    assert [name for name, *_ in loaded] == list(manifest["samples"])
    for (_, image, alpha, foreground), (_, image_back, alpha_back, foreground_back) in zip(samples, loaded):
        np.testing.assert_array_equal(image_back, image)
        np.testing.assert_array_equal(np.rint(alpha_back * 255), alpha)
        np.testing.assert_array_equal(foreground_back, foreground)


def test_emoji_are_picked_from_the_sorted_package_listing(tmp_path):
    tarball = tmp_path / "package.tgz"
    with tarfile.open(tarball, "w:gz") as archive:
        for name in ("c", "a", "b", "d"):
            buffer = io.BytesIO()
            Image.fromarray(disc_emoji(ord(name))).save(buffer, format="WEBP", lossless=True)
            entry = tarfile.TarInfo(f"package/assets/{name}.webp")
            entry.size = len(buffer.getvalue())
            archive.addfile(entry, io.BytesIO(buffer.getvalue()))
    picks = [[name for name, _ in evalset.read_emoji(tarball, 2, np.random.default_rng(7))] for _ in range(2)]
    assert picks[0] == picks[1] == sorted(picks[0])
    assert evalset.read_emoji(tarball, 1, np.random.default_rng(7))[0][1].shape == (64, 64, 4)


def soft_square():
    alpha = np.zeros((20, 20))
    alpha[5:15, 5:15] = 1.0
    alpha[4, 4:16] = alpha[15, 4:16] = alpha[4:16, 4] = alpha[4:16, 15] = 0.5
    return alpha


def test_edge_band_is_the_soft_rim_widened():
    band = quality.edge_band(soft_square(), widen=1)
    assert band[4, 10] and band[3, 10] and band[5, 10] and not band[10, 10] and not band[1, 10]
    assert not quality.edge_band(np.ones((5, 5))).any()


def test_alpha_errors():
    truth = soft_square()
    band = quality.edge_band(truth)
    assert quality.alpha_errors(truth, truth, band) == {"alpha_mae": 0.0, "boundary_mae": 0.0, "iou": 1.0}
    shifted = np.roll(truth, 1, axis=1)
    errors = quality.alpha_errors(shifted, truth, band)
    assert errors["boundary_mae"] > errors["alpha_mae"] > 0 and 0.8 < errors["iou"] < 1.0


def test_composite_error_and_dark_halo():
    truth = soft_square()
    band = quality.edge_band(truth)
    foreground = np.full((20, 20, 3), [200.0, 120.0, 40.0])
    backdrops = [np.full((20, 20, 3), 255.0), np.zeros((20, 20, 3))]
    assert quality.composite_error(foreground, truth, foreground, truth, band, backdrops) == 0.0
    assert quality.dark_halo(foreground, truth, foreground, truth, band) == 0.0
    premultiplied = foreground * truth[..., None]
    assert quality.composite_error(premultiplied, truth, foreground, truth, band, backdrops) > 1.0
    assert quality.dark_halo(premultiplied, truth, foreground, truth, band) > 1.0
    assert quality.dark_halo(np.full((20, 20, 3), 255.0), truth, foreground, truth, band) < 0


def test_gap_closed():
    assert quality.gap_closed(cutout=3.0, naive=5.0, oracle=1.0) == 0.5
    assert quality.gap_closed(cutout=1.0, naive=1.0, oracle=1.0) == 1.0


def test_readme_table_is_replaced_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{quality.README_START}\nold table\n{quality.README_END}\n\nAfter.\n")
    quality.write_readme("| new |", readme)
    assert readme.read_text() == f"# Title\n\n{quality.README_START}\n| new |\n{quality.README_END}\n\nAfter.\n"


def test_network_predictions_are_cached(tmp_path):
    calls = []

    class Counting:
        async def run(self, graph, feeds, outputs):
            calls.append(graph)
            return {"output": Tensor("float32", (2,), np.array([0.5, 1.0], np.float32).tobytes())}

    runtime = quality.RecordingRuntime(Counting(), tmp_path)
    feeds = {"input": Tensor("float32", (1,), np.float32(3).tobytes())}
    for _ in range(2):
        result = asyncio.run(runtime.run("u2netp.onnx", feeds, ["output"]))
        np.testing.assert_array_equal(quality.as_array(result["output"]), [0.5, 1.0])
    assert calls == ["u2netp.onnx"]


@pytest.mark.parametrize("closed, halo, met", [(0.7, 0.5, True), (0.5, 0.5, False), (0.7, 1.5, False)])
def test_targets_are_checked(closed, halo, met):
    naive, oracle = 5.0, 1.0
    cutout = naive - closed * (naive - oracle)
    metrics = {"alpha_mae": 0.1, "boundary_mae": 0.2, "iou": 0.9}
    scores = {"cutout": {**metrics, "composite_de": cutout, "dark_halo": halo},
              "no-decontam": {**metrics, "composite_de": naive, "dark_halo": 5.0},
              "oracle": {**metrics, "composite_de": oracle, "dark_halo": 0.0},
              "premultiplied": {**metrics, "composite_de": 6.0, "dark_halo": 12.0},
              "raw mask": metrics}
    report = quality.summarise({"fast": [scores]})
    assert report["fast"]["targets"]["met"] is met
    assert "| fast | cutout |" in quality.table(report)
