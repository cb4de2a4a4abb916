import os
import subprocess
import sys
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto

from cutout.graphs import build_all, serialise
from cutout.models import FLATTEN_GRAPH, HEAP_GRAPH, MODELS, REGION_GRAPH, graph_names

FLOAT, INT64, UINT8 = TensorProto.FLOAT, TensorProto.INT64, TensorProto.UINT8
PY_ROOT = Path(__file__).resolve().parents[2] / "py"

# The contract with the pipeline: (name, element type, shape) of every input and output.
SIGNATURES = {
    "pre-fast.onnx": ([("rgba", UINT8, ["height", "width", 4])], [("tensor", FLOAT, [1, 3, 320, 320])]),
    "pre-best.onnx": ([("rgba", UINT8, ["height", "width", 4])], [("tensor", FLOAT, [1, 3, 1024, 1024])]),
    "mask-fast.onnx": (
        [("prediction", FLOAT, [1, 1, 320, 320]), ("size", INT64, [2])],
        [("alpha", FLOAT, ["height", "width"])],
    ),
    "mask-best.onnx": (
        [("prediction", FLOAT, [1, 1, 1024, 1024]), ("size", INT64, [2])],
        [("alpha", FLOAT, ["height", "width"])],
    ),
    "compose.onnx": (
        [("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("background", UINT8, [4]),
         ("margins", INT64, [2]), ("radii", INT64, [4]), ("block", INT64, [1]), ("decontamination", FLOAT, [])],
        [("rgba_out", UINT8, ["core_h", "w", 4])],
    ),
    "blocks.onnx": (
        [("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("block", INT64, [1])],
        [("low", FLOAT, ["m", "n", 4])],
    ),
    "estimate.onnx": ([("low", FLOAT, ["m", "n", 4]), ("radii", INT64, [4])], [("maps", FLOAT, ["m", 8, "n"])]),
    "compose-tile.onnx": (
        [("rgba", UINT8, ["h", "w", 4]), ("alpha", FLOAT, ["h", "w"]), ("background", UINT8, [4]),
         ("maps", FLOAT, ["m", 8, "n"]), ("top", INT64, [1]), ("block", INT64, [1]), ("decontamination", FLOAT, []),
         ("context", INT64, [1])],
        [("rgba_out", UINT8, ["tile_h", "w", 4]), ("scanlines", UINT8, ["tile_h", "line"])],
    ),
    "flatten.onnx": (
        [("rgba", UINT8, ["h", "w", 4]), ("backdrop", UINT8, ["bh", "bw", 4])],
        [("rgba_out", UINT8, ["h", "w", 4])],
    ),
    "heap.onnx": ([("floats", INT64, [1])], [("largest", FLOAT, [1])]),
    "scanlines.onnx": ([("rgba", UINT8, ["h", "w", 4]), ("above", UINT8, ["w", 4])], [("scanlines", UINT8, ["h", "line"])]),
}


def signature(values) -> list:
    def dim(d):
        return d.dim_param or d.dim_value

    return [(v.name, v.type.tensor_type.elem_type, [dim(d) for d in v.type.tensor_type.shape.dim]) for v in values]


def test_one_graph_per_file_the_pipeline_asks_for(graphs):
    wanted = {name for model in MODELS.values() for name in graph_names(model).values()} | {REGION_GRAPH, FLATTEN_GRAPH, HEAP_GRAPH}
    assert set(graphs) == wanted == set(SIGNATURES)


@pytest.mark.parametrize("file_name", sorted(SIGNATURES))
def test_graph_is_valid_for_onnxruntime_web(graphs, file_name):
    graph = graphs[file_name]
    onnx.checker.check_model(graph, full_check=True)
    assert graph.ir_version in (8, 9)
    assert [(o.domain, o.version) for o in graph.opset_import] == [("", 18)]


@pytest.mark.parametrize("file_name", sorted(SIGNATURES))
def test_graph_signature(graphs, file_name):
    inputs, outputs = SIGNATURES[file_name]
    assert signature(graphs[file_name].graph.input) == inputs
    assert signature(graphs[file_name].graph.output) == outputs


def test_command_writes_identical_bytes_every_time(tmp_path):
    runs = []
    for hash_seed in ("1", "2"):
        outdir = tmp_path / hash_seed
        environment = {**os.environ, "PYTHONPATH": str(PY_ROOT), "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-m", "cutout.graphs", str(outdir)],
            env=environment, capture_output=True, text=True, check=True,
        )
        for file_name in SIGNATURES:
            assert f"wrote {outdir / file_name}" in result.stdout
        runs.append({path.name: path.read_bytes() for path in outdir.iterdir()})
    in_process = {name: serialise(graph) for name, graph in build_all().items()}
    assert runs[0] == runs[1] == in_process
