"""The compose graph under onnxruntime-web's WebAssembly backend (in Node), as the browser runs it.

Guards against operators or types that the WASM build lacks, and checks its numbers against the
numpy reference. Skipped where Node or the npm packages are not installed.
"""

import json

import numpy as np
import pytest

from cutout.graphs import compose, serialise

from .onnxruntime_web import needs_node, run_in_node

SCRIPT = """
const spec = JSON.parse(fs.readFileSync(folder + '/spec.json'));
const session = await ort.InferenceSession.create(fs.readFileSync(folder + '/compose.onnx'), {executionProviders: ['wasm']});
const read = (name, Type) => new Type(new Uint8Array(fs.readFileSync(folder + '/' + name)).buffer);
const feeds = {
  rgba: new ort.Tensor('uint8', read('rgba', Uint8Array), spec.size.concat([4])),
  alpha: new ort.Tensor('float32', read('alpha', Float32Array), spec.size),
  background: new ort.Tensor('uint8', Uint8Array.from(spec.background), [4]),
  margins: new ort.Tensor('int64', BigInt64Array.from(spec.margins.map(BigInt)), [2]),
  radii: new ort.Tensor('int64', BigInt64Array.from(spec.radii.map(BigInt)), [4]),
  block: new ort.Tensor('int64', BigInt64Array.from([BigInt(spec.block)]), [1]),
  decontamination: new ort.Tensor('float32', Float32Array.from([1]), []),
};
const out = (await session.run(feeds)).rgba_out;
fs.writeFileSync(folder + '/out', out.data);
"""


@needs_node
# A backdrop that shows takes the graph's other path: empty pixels found and scattered in.
@pytest.mark.parametrize("background", [[0, 0, 0, 0], [20, 200, 40, 255], [90, 30, 200, 120]],
                         ids=["transparent", "opaque", "translucent"])
def test_wasm_backend_matches_the_reference(tmp_path, background):
    rng = np.random.default_rng(1)
    height, width = 61, 83
    rgba = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    rows, columns = np.indices((height, width))
    alpha = np.clip((25 - np.hypot(rows - 30, columns - 40)) / 5, 0, 1).astype(np.float32)
    spec = {"size": [height, width], "background": background, "margins": [4, 3], "radii": [5, 3, 2, 1], "block": 2}
    (tmp_path / "compose.onnx").write_bytes(serialise(compose.build()))
    (tmp_path / "rgba").write_bytes(rgba.tobytes())
    (tmp_path / "alpha").write_bytes(alpha.tobytes())
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    run_in_node(tmp_path, SCRIPT, timeout=120)
    out = np.frombuffer((tmp_path / "out").read_bytes(), dtype=np.uint8).reshape(height - 7, width, 4)
    expected = compose.reference(rgba, alpha, spec["background"], spec["margins"], spec["radii"], spec["block"])
    assert np.abs(out.astype(int) - expected).max() <= 1
