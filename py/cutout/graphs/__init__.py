"""The per-pixel stages of the pipeline as ONNX graphs, generated here and run by ONNX Runtime.

The browser has no numpy, so every per-pixel computation is a small graph that onnxruntime-web
runs next to the network. Each module builds one graph (`build`) and holds its numpy `reference`
side by side; the tests hold the two to each other. `winograd` is the odd one: it rewrites a
network for the browser (vendoring runs it) instead of building a graph of its own. This package needs onnx and numpy: only the
build step and the tests import it, never the pipeline itself (it reads `models.graph_names`).
"""

import onnx

from ..models import FLATTEN_GRAPH, HEAP_GRAPH, MODELS, REGION_GRAPH, graph_names
from . import blocks, compose, estimate, flatten, heap, mask, pre, scanlines

_BUILDERS = {
    "pre": pre.build,
    "mask": mask.build,
    # The edge graphs are the same for every model.
    "blocks": lambda model: blocks.build(),
    "estimate": lambda model: estimate.build(),
    "compose-tile": lambda model: compose.build(tile=True),
    "scanlines": lambda model: scanlines.build(),
}


def build_all() -> dict[str, onnx.ModelProto]:
    """Every graph a job may run, keyed by file name as `models.graph_names` gives it."""
    graphs = {}
    for model in MODELS.values():
        for role, file_name in graph_names(model).items():
            if file_name not in graphs:
                graphs[file_name] = _BUILDERS[role](model)
    graphs[REGION_GRAPH] = compose.build()  # the editor's, for any model
    graphs[FLATTEN_GRAPH] = flatten.build()  # the export stage's, for any model
    graphs[HEAP_GRAPH] = heap.build()  # the browser's prepared job worker's, for any model
    return graphs


def serialise(graph: onnx.ModelProto) -> bytes:
    """The file's bytes; the same graph always gives the same bytes."""
    return graph.SerializeToString(deterministic=True)
