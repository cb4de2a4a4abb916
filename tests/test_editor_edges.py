"""The editor's JS mirror of `cutout.edges` (web/editor/edges.js) gives the same numbers on many sizes.

The editor refines one region of an edited mask with the compose graph; it is exact only when it
feeds the graph the block, radii and context the job used.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from cutout import edges

ROOT = Path(__file__).resolve().parent.parent
MODULE = ROOT / "web" / "editor" / "edges.js"

SIZES = ([(w, h) for w in (1, 2, 3, 639, 640, 641, 959, 960, 1279, 1280, 1281, 2559, 2560, 2561) for h in (1, 480, 1281)]
         + [(4000, 3000), (3000, 4000), (6000, 4000), (8000, 6000), (12000, 9000), (32767, 1), (1, 32767)]
         + [(n, n * 3 // 4 + 1) for n in range(100, 20000, 97)])


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
def test_the_editor_computes_what_cutout_edges_computes():
    script = (f"import * as edges from {json.dumps(MODULE.as_uri())};\n"
              f"const sizes = {json.dumps(SIZES)};\n"
              "console.log(JSON.stringify(sizes.map(([w, h]) => [edges.blockSize(w, h), edges.blurRadii(w, h),"
              " edges.contextRows(w, h)])));\n")
    output = subprocess.run(["node", "--input-type=module", "-e", script], check=True, capture_output=True, text=True,
                            timeout=60).stdout
    expected = [[edges.block_size(w, h), list(edges.blur_radii(w, h)), edges.context_rows(w, h)] for w, h in SIZES]
    assert json.loads(output) == expected


def _js_areas(rects, width, height, band_pixels):
    script = (f"import * as edges from {json.dumps(MODULE.as_uri())};\n"
              f"const rects = {json.dumps(rects)};\n"
              f"console.log(JSON.stringify(rects.map(([x0, y0, x1, y1]) => edges.refinementArea({{ x0, y0, x1, y1 }}, "
              f"{width}, {height}, {band_pixels}))));\n")
    output = subprocess.run(["node", "--input-type=module", "-e", script], check=True, capture_output=True, text=True,
                            timeout=60).stdout
    return json.loads(output)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node")
@pytest.mark.parametrize("width, height, band_pixels", [(2600, 700, 4_000_000), (500, 2650, 4_000_000),
                                                        (331, 203, 4_000_000), (2600, 700, 90_000)])
def test_refining_the_editors_crops_gives_the_whole_pictures_pixels_in_the_region(width, height, band_pixels):
    """The compose graph on refinementArea's crops equals it on the whole picture, in the region, byte for byte."""
    import numpy as np
    import onnxruntime

    from cutout.graphs import compose, serialise

    rng = np.random.default_rng(width)
    rows, columns = np.indices((height, width))
    rgba = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    # Soft edges everywhere: rings of a slow wave, so every region has estimation work to do.
    alpha = (0.5 + 0.7 * np.sin(np.hypot(rows - height / 3, columns - width / 2) / 23)).clip(0, 1).astype(np.float32)
    session = onnxruntime.InferenceSession(serialise(compose.build()), providers=["CPUExecutionProvider"])

    def run(pixels, mask, margins):
        return session.run(["rgba_out"], {
            "rgba": pixels, "alpha": mask, "background": np.zeros(4, np.uint8), "margins": np.array(margins, np.int64),
            "radii": np.array(edges.blur_radii(width, height), np.int64),
            "block": np.array([edges.block_size(width, height)], np.int64),
            "decontamination": np.array(1.0, np.float32)})[0]

    whole = run(rgba, alpha, (0, 0))
    rects = [[0, 0, 40, 30], [width - 37, height - 41, width, height], [width // 2 - 1, height // 2 + 1, width // 2 + 77, height // 2 + 5],
             [5, height // 3, width - 5, height // 3 + 9], [width // 3, 2, width // 3 + 3, height - 2], [0, 0, width, height]]
    band_counts = []
    for rect, area in zip(rects, _js_areas(rects, width, height, band_pixels)):
        region = area["region"]
        assert region["x0"] <= rect[0] and region["y0"] <= rect[1] and region["x1"] >= rect[2] and region["y1"] >= rect[3]
        refined = np.zeros((region["y1"] - region["y0"], region["x1"] - region["x0"], 4), np.uint8)
        for band in area["bands"]:
            own, crop = band["region"], band["crop"]
            cropped = (slice(crop["y0"], crop["y1"]), slice(crop["x0"], crop["x1"]))
            out = run(np.ascontiguousarray(rgba[cropped]), np.ascontiguousarray(alpha[cropped]),
                      (own["y0"] - crop["y0"], crop["y1"] - own["y1"]))
            refined[own["y0"] - region["y0"]:own["y1"] - region["y0"]] = out[:, own["x0"] - crop["x0"]:own["x1"] - crop["x0"]]
        band_counts.append(len(area["bands"]))
        assert np.array_equal(refined, whole[region["y0"]:region["y1"], region["x0"]:region["x1"]]), rect
    if band_pixels < width * height:
        assert max(band_counts) > 1  # the split into bands was exercised
