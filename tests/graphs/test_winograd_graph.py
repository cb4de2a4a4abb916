"""The Winograd rewrite (graphs/winograd.py): its numpy reference against a direct convolution, the
rewritten graph against both under onnxruntime natively and under onnxruntime-web's WebAssembly
backend (in Node), which convolutions it takes, and the vendored Best copy against the original."""

import json
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import skimage.data
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper

from cutout import vendor
from cutout.graphs import serialise, winograd
from cutout.models import MODELS

from .onnxruntime_web import needs_node, run_in_node



def direct_convolution(x, weights, bias, stride=1, dilation=1):
    """A 3×3 convolution with padding 1, summed shift by shift: the definition, not an algorithm."""
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    height = (x.shape[2] + 2 - 2 * dilation - 1) // stride + 1
    width = (x.shape[3] + 2 - 2 * dilation - 1) // stride + 1
    out = np.zeros((1, weights.shape[0], height, width))
    for dy in range(3):
        for dx in range(3):
            window = padded[0, :, dy * dilation:, dx * dilation:][:, :height * stride:stride, :width * stride:stride]
            out[0] += np.einsum("oc,chw->ohw", weights[:, :, dy, dx].astype(np.float64), window)
    return (out + bias.reshape(1, -1, 1, 1)).astype(np.float32)


@settings(max_examples=25, deadline=None)
@given(ci=st.integers(1, 5), co=st.integers(1, 5), tiles_y=st.integers(1, 4), tiles_x=st.integers(1, 4),
       seed=st.integers(0, 2**32 - 1))
def test_the_reference_is_a_3x3_convolution(ci, co, tiles_y, tiles_x, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(1, ci, 4 * tiles_y, 4 * tiles_x)).astype(np.float32)
    weights, bias = rng.normal(size=(co, ci, 3, 3)).astype(np.float32), rng.normal(size=co).astype(np.float32)
    np.testing.assert_allclose(winograd.reference(x, weights, bias), direct_convolution(x, weights, bias), atol=1e-4)


def conv_node(name, x, out, stride=1, dilation=1, group=1, pads=(1, 1, 1, 1)):
    return helper.make_node("Conv", [x, f"{name}.w", f"{name}.b"], [out], name=name, kernel_shape=[3, 3],
                            strides=[stride, stride], dilations=[dilation, dilation], group=group, pads=list(pads))


def network(layers, height=12, width=16, channels=4, seed=0):
    """x (float32) → Cast float16 → the `layers` [(name, conv kwargs, out channels)] one after the
    other, Relu between → Cast float32 → y: stored like ISNet (float16 weights and activations)."""
    rng = np.random.default_rng(seed)
    nodes = [helper.make_node("Cast", ["x"], ["h0"], to=TensorProto.FLOAT16)]
    initializers, weights = [], {}
    current, ci = "h0", channels
    for index, (name, kwargs, co) in enumerate(layers):
        group = kwargs.get("group", 1)
        w = (rng.normal(size=(co, ci // group, 3, 3)) / 3).astype(np.float16)
        b = rng.normal(size=co).astype(np.float16)
        weights[name] = (w, b)
        initializers += [numpy_helper.from_array(w, f"{name}.w"), numpy_helper.from_array(b, f"{name}.b")]
        nodes += [conv_node(name, current, f"c{index}", **kwargs), helper.make_node("Relu", [f"c{index}"], [f"h{index + 1}"])]
        current, ci = f"h{index + 1}", co
    nodes.append(helper.make_node("Cast", [current], ["y"], to=TensorProto.FLOAT))
    graph = helper.make_graph(nodes, "layers", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, height, width])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8), weights


def run(model, x):
    session = ort.InferenceSession(serialise(model), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def float32_reference(layers, weights, x):
    """The network computed in float32 with direct convolutions."""
    for name, kwargs, _ in layers:
        w, b = weights[name]
        x = np.maximum(direct_convolution(x, w.astype(np.float32), b.astype(np.float32), **kwargs), 0)
    return x


def test_eligible_convolutions_become_winograd_and_compute_the_same_in_float32():
    layers = [("first", {}, 6), ("second", {}, 5), ("third", {}, 3)]
    model, weights = network(layers)
    x = np.random.default_rng(1).normal(size=(1, 4, 12, 16)).astype(np.float32)

    rewritten = winograd.rewrite(model, min_output_channels=1)

    assert winograd.rewritten_count(rewritten) == 3
    assert not [node for node in rewritten.graph.node if node.op_type == "Conv" and node.name in {"first", "second", "third"}]
    assert all(t.data_type == TensorProto.FLOAT16 for t in rewritten.graph.initializer if t.name.endswith((".w/float16", ".b/float16")))
    np.testing.assert_allclose(run(rewritten, x), float32_reference(layers, weights, x), atol=2e-4)
    # The original computes in float16, so it agrees only to float16's precision.
    np.testing.assert_allclose(run(rewritten, x), run(model, x), atol=0.05)


@pytest.mark.parametrize("name, kwargs", [
    ("strided", {"stride": 2}),
    ("dilated", {"dilation": 2, "pads": (2, 2, 2, 2)}),
    ("grouped", {"group": 2}),
    ("unpadded", {"pads": (0, 0, 0, 0)}),
])
def test_other_convolutions_stay_as_they_are(name, kwargs):
    layers = [("plain", {}, 4), (name, kwargs, 4)]
    model, weights = network(layers)
    x = np.random.default_rng(2).normal(size=(1, 4, 12, 16)).astype(np.float32)

    rewritten = winograd.rewrite(model, min_output_channels=1)

    assert winograd.rewritten_count(rewritten) == 1
    assert [node.name for node in rewritten.graph.node if node.op_type == "Conv" and "winograd" not in node.name] == [name]
    np.testing.assert_allclose(run(rewritten, x), run(winograd.rewrite(model, max_transformed_input_bytes=0), x), atol=2e-4)


def band_count(model) -> int:
    return sum(node.name.endswith("/input") and "/winograd/band" in node.name for node in model.graph.node)


def test_sizes_not_multiples_of_4_few_output_channels_and_layers_over_the_memory_budget_for_one_row_stay_as_they_are():
    layers = [("first", {}, 4), ("second", {}, 8)]
    uneven, _ = network(layers, height=10, width=16)
    assert winograd.rewritten_count(winograd.rewrite(uneven, min_output_channels=1)) == 0
    even, _ = network(layers)
    assert winograd.rewritten_count(winograd.rewrite(even, min_output_channels=8)) == 1  # the second
    assert winograd.rewritten_count(winograd.rewrite(even)) == 0  # fewer than 32: not worth its transforms
    # Both layers' transformed inputs are 9·4·12·16 bytes (4 channels in): 3 rows of 4×4 tiles.
    budget = 9 * 4 * 12 * 16
    whole = winograd.rewrite(even, budget, min_output_channels=1)
    assert winograd.rewritten_count(whole) == 2 and band_count(whole) == 0
    assert winograd.rewritten_count(winograd.rewrite(even, budget // 3 - 1, min_output_channels=1)) == 0


@pytest.mark.parametrize("budget_rows, bands", [(2, 2), (1, 3)])
def test_a_layer_over_the_budget_is_computed_in_bands_of_rows_and_gives_what_it_gives_whole(budget_rows, bands):
    layers = [("first", {}, 4), ("second", {}, 5)]
    model, weights = network(layers)
    x = np.random.default_rng(5).normal(size=(1, 4, 12, 16)).astype(np.float32)
    # A row of 4×4 tiles of either layer's input (4 channels, 16 columns) takes 9·4·4·16 bytes; 3 rows.
    banded = winograd.rewrite(model, budget_rows * 9 * 4 * 4 * 16, min_output_channels=1)

    assert winograd.rewritten_count(banded) == 2
    assert band_count(banded) == 2 * bands
    np.testing.assert_allclose(run(banded, x), float32_reference(layers, weights, x), atol=2e-4)
    np.testing.assert_allclose(run(banded, x), run(winograd.rewrite(model, min_output_channels=1), x), atol=1e-5)


def test_a_convolution_behind_a_computed_resize_is_measured_and_taken():
    """ISNet's decoder convolutions read Resize outputs whose sizes come from Shape: onnx's shape
    inference cannot size them, so the rewrite measures them."""
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=(2, 3, 3, 3)).astype(np.float32), rng.normal(size=2).astype(np.float32)
    nodes = [
        helper.make_node("MaxPool", ["x"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Shape", ["x"], ["size"]),
        helper.make_node("Resize", ["pooled", "", "", "size"], ["upsampled"], mode="nearest"),
        conv_node("decoder", "upsampled", "y"),
    ]
    graph = helper.make_graph(nodes, "decoder", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 12])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=[numpy_helper.from_array(w, "decoder.w"), numpy_helper.from_array(b, "decoder.b")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)
    x = rng.normal(size=(1, 3, 8, 12)).astype(np.float32)

    rewritten = winograd.rewrite(model, min_output_channels=1)

    assert winograd.rewritten_count(rewritten) == 1
    np.testing.assert_allclose(run(rewritten, x), run(model, x), atol=1e-4)


NODE_SCRIPT = """
const [name, dims] = JSON.parse(fs.readFileSync(folder + '/input.json'));
const session = await ort.InferenceSession.create(fs.readFileSync(folder + '/model.onnx'), {executionProviders: ['wasm']});
const input = new Float32Array(new Uint8Array(fs.readFileSync(folder + '/input')).buffer);
const results = await session.run({[name]: new ort.Tensor('float32', input, dims)});
fs.writeFileSync(folder + '/output', Object.values(results)[0].data);
"""


def run_in_onnxruntime_web(folder: Path, model_bytes: bytes, name: str, x: np.ndarray) -> np.ndarray:
    (folder / "model.onnx").write_bytes(model_bytes)
    (folder / "input").write_bytes(x.tobytes())
    (folder / "input.json").write_text(json.dumps([name, list(x.shape)]))
    run_in_node(folder, NODE_SCRIPT)
    return np.frombuffer((folder / "output").read_bytes(), dtype=np.float32)


@needs_node
def test_onnxruntime_web_runs_the_rewritten_graph_like_the_reference(tmp_path):
    layers = [("first", {}, 6), ("strided", {"stride": 2}, 5), ("third", {}, 3)]
    model, weights = network(layers)
    x = np.random.default_rng(4).normal(size=(1, 4, 12, 16)).astype(np.float32)
    expected = float32_reference(layers, weights, x)

    for name, budget in (("whole", winograd.MAX_TRANSFORMED_INPUT_BYTES), ("banded", 9 * 4 * 4 * 16)):
        rewritten = winograd.rewrite(model, budget, min_output_channels=1)
        (tmp_path / name).mkdir()
        output = run_in_onnxruntime_web(tmp_path / name, serialise(rewritten), "x", x)
        np.testing.assert_allclose(output.reshape(expected.shape), expected, atol=2e-4, err_msg=name)


@pytest.fixture(scope="module")
def best_input():
    """A real photo as Best's input tensor, (x − 128) / 256 at 1024²."""
    from PIL import Image

    photo = Image.fromarray(skimage.data.chelsea()).resize((1024, 1024), Image.Resampling.BICUBIC)
    return ((np.asarray(photo, np.float32) - 128) / 256).transpose(2, 0, 1)[None].copy()


@pytest.fixture(scope="module")
def best_original_mask(best_input):
    best = MODELS["best"]
    session = ort.InferenceSession(str(vendor.fetch(best, log=lambda _: None)), providers=["CPUExecutionProvider"])
    return session.run([best.output_name], {best.input_name: best_input})[0]


def assert_same_mask(mask, original):
    """Within the original's float16 rounding: the masks agree to 0.001, so 8-bit alpha differs by one
    level at most, on a fur photo's many soft pixels at about 0.4 % of them."""
    assert float(np.abs(mask - original).max()) < 1e-3
    assert np.mean(np.rint(mask * 255) != np.rint(original * 255)) < 0.01


def test_the_vendored_browser_copy_of_best_is_the_rewrite_and_masks_like_the_original(best_input, best_original_mask):
    best = MODELS["best"]
    pinned = best.in_browser
    path = vendor.fetch(best, log=lambda _: None, for_browser=True)  # made if missing, checked against its pin
    assert path.name == pinned.file and path.stat().st_size == pinned.size and vendor.sha256_of(path) == pinned.sha256
    copy = onnx.load(path, load_external_data=False)
    assert winograd.rewritten_count(copy) == 78  # of 114: 90 are 3×3 with stride 1, 12 of those have < 32 outputs
    assert band_count(copy) == 11  # 5 layers over the budget, 4 in 2 bands and 1 in 3
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert_same_mask(session.run([best.output_name], {best.input_name: best_input})[0], best_original_mask)


@needs_node
def test_onnxruntime_web_masks_with_the_browser_copy_of_best_like_the_original(tmp_path, best_input, best_original_mask):
    best = MODELS["best"]
    copy = vendor.fetch(best, log=lambda _: None, for_browser=True).read_bytes()
    mask = run_in_onnxruntime_web(tmp_path, copy, best.input_name, best_input)
    assert_same_mask(mask.reshape(best_original_mask.shape), best_original_mask)

