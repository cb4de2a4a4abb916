"""A small collector of ONNX nodes and constants, so that each graph module reads as its arithmetic."""

import onnx
from onnx import TensorProto, helper

OPSET = 18
# onnxruntime-web 1.30 loads IR 8 and 9; opset 18 needs at least IR 8.
IR_VERSION = 8
PRODUCER = "cutout.graphs"

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
UINT8 = TensorProto.UINT8


class GraphBuilder:
    """Nodes and initializers of one graph; every tensor is named after what it holds."""

    def __init__(self):
        self._nodes: list[onnx.NodeProto] = []
        self._constants: dict[str, onnx.TensorProto] = {}

    def constant(self, name: str, value, dtype: int = FLOAT, shape=None) -> str:
        """An initializer: a number gives a scalar, a list a vector unless `shape` says otherwise."""
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if shape is None:
            shape = [len(values)] if isinstance(value, (list, tuple)) else []
        tensor = helper.make_tensor(name, dtype, shape, values)
        known = self._constants.setdefault(name, tensor)
        if known != tensor:
            raise ValueError(f"constant {name!r} defined twice with different values")
        return name

    def op(self, op_type: str, *inputs: str, out: str, **attributes) -> str:
        """Adds one node with a single output named `out` and returns that name."""
        return self.op_with_outputs(op_type, *inputs, outs=[out], **attributes)[0]

    def op_with_outputs(self, op_type: str, *inputs: str, outs: list[str], **attributes) -> list[str]:
        """Adds one node with the outputs named `outs` (the node named after the last) and returns them."""
        self._nodes.append(helper.make_node(op_type, list(inputs), outs, name=outs[-1], **attributes))
        return outs

    def model(self, name: str, doc: str, inputs: list, outputs: list) -> onnx.ModelProto:
        """`inputs`/`outputs` are (name, element type, shape) with strings for dynamic dimensions."""
        graph = helper.make_graph(
            self._nodes,
            name,
            [helper.make_tensor_value_info(*spec) for spec in inputs],
            [helper.make_tensor_value_info(*spec) for spec in outputs],
            initializer=list(self._constants.values()),
            doc_string=doc,
        )
        return helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            ir_version=IR_VERSION,
            producer_name=PRODUCER,
            doc_string=doc,
        )


def choose(table: dict, model, field: str):
    """The entry of `table` for the model's `field` (e.g. its normalisation), or a clear error."""
    value = getattr(model, field)
    try:
        return table[value]
    except KeyError:
        raise ValueError(f"model {model.key!r}: unknown {field} {value!r}; known: {', '.join(table)}") from None
