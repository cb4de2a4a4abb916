"""The browser's copy of a network: its 3×3 convolutions computed as Winograd F(4,3), in float32.

onnxruntime-web's WebAssembly convolution is im2col + GEMM: a 3×3 kernel costs 144 multiplications
per 4×4 output tile and channel pair. Winograd F(4,3) makes the tile from a 6×6 input tile with 36
(Lavin & Gray, 2015), and ONNX's own ops express it:

    input transform   a grouped 6×6 convolution with stride 4 (one group per input channel) whose
                      36 kernels compute Bᵀ·tile·B: [1, ci, H, W] → [1, ci·36, H/4, W/4]
    products          one batched MatMul [36, co, ci] × [36, ci, tiles] (the GEMM does the work)
    output transform  MatMul with Aᵀ⊗Aᵀ [16, 36], reshaped back to [1, co, H, W], plus the bias.

The kernel transform G·w·Gᵀ is written into the graph over the stored weights, so onnxruntime
folds it once when it creates the session and the file keeps the original (float16) weights: the
download does not grow. Measured with onnxruntime-web 1.30, 2 threads, in Node: single layers of
ISNet's shapes take 0.3–0.8× the time of the convolution they replace (F(2,3), tried first,
0.45–1.0×), and ISNet 1024² about 0.6× in all, its mask within 0.0004. The price is memory and
session creation (the folded kernels are 4× the weights they come from). Natively onnxruntime's
own kernels beat it (2.4× faster), so the CLI runs the original file.

Every float16 tensor becomes float32: onnxruntime-web's CPU kernels compute float16 nodes by casting
around each one, which would also cost the larger transformed tensors twice.
"""

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper, shape_inference

# F(4,3) with interpolation points 0, ±1, ±2 and ∞: input transform Bᵀ, kernel transform G,
# output transform Aᵀ.
OUTPUT_TILE = 4
INPUT_TILE = OUTPUT_TILE + 2
B_T = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], np.float32)
G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], np.float32)
A_T = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]], np.float32)
ELEMENTS = INPUT_TILE ** 2

# Which layers, and how, from single layers of ISNet's shapes and the whole network (onnxruntime-web
# 1.30, Node, 2 threads):
# - A layer's transformed input is 9·ci·H·W bytes (float32, 36 values per channel and 4×4 tile),
#   held about three times over while it runs. A layer over 128 MiB is computed in bands of rows,
#   one after the other, each within that. ISNet 1024²: with every eligible layer taken whole but
#   the one over 256 MiB (128 channels at 512²), 4.7 s and a peak of 2.4 GB in the run; with bands
#   of at most 128 MiB (5 layers, in 2 or 3 bands), 4.4 s and 2.2 GB. Taken whole, that one layer
#   alone would add 0.3 GB; bands of at most 72 MiB saved 0.1 GB more, and no time.
# - The input transform's cost per channel is shared by the output channels: with 16 of them the
#   rewrite took longer than the convolution (1.25×), with 32 or more 0.3–0.8× where the layer
#   takes more than a few milliseconds.
MAX_TRANSFORMED_INPUT_BYTES = 128 * 2**20
MIN_OUTPUT_CHANNELS = 32


def input_kernels() -> np.ndarray:
    """[36, 1, 6, 6]: kernel k = 6i + j is the outer product of rows i and j of Bᵀ, so convolving a
    6×6 tile with it gives element (i, j) of Bᵀ·tile·B."""
    return np.stack([np.outer(B_T[i], B_T[j]) for i in range(INPUT_TILE) for j in range(INPUT_TILE)])[:, None]


def output_transform() -> np.ndarray:
    """[16, 36]: row 4a + c maps the 36 products of a tile to its output pixel (a, c), Aᵀ·M·A."""
    return np.stack([np.outer(A_T[a], A_T[c]).reshape(-1) for a in range(OUTPUT_TILE) for c in range(OUTPUT_TILE)])


def transform_weights(weights: np.ndarray) -> np.ndarray:
    """[co, ci, 3, 3] → [36, co, ci], G·w·Gᵀ per kernel: the numpy twin of the graph's own nodes."""
    co, ci = weights.shape[:2]
    return (G @ weights.astype(np.float32) @ G.T).transpose(2, 3, 0, 1).reshape(ELEMENTS, co, ci)


def reference(x: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Winograd F(4,3) in numpy, tile by tile, for one 3×3 convolution with padding 1: [1, ci, H, W]
    (H, W multiples of 4) → [1, co, H, W]. What each rewritten convolution computes."""
    _, ci, h, w = x.shape
    m, n = OUTPUT_TILE, INPUT_TILE
    padded = np.pad(x.astype(np.float32), ((0, 0), (0, 0), (1, 1), (1, 1)))
    u = transform_weights(weights).reshape(n, n, -1, ci)
    out = np.empty((1, len(bias), h, w), np.float32)
    for ty in range(0, h, m):
        for tx in range(0, w, m):
            tile = padded[0, :, ty:ty + n, tx:tx + n]                    # [ci, 6, 6]
            v = np.einsum("ik,ckl,jl->ijc", B_T, tile, B_T)              # Bᵀ·tile·B
            products = np.einsum("ijoc,ijc->ijo", u, v)                  # per element, summed over ci
            out[0, :, ty:ty + m, tx:tx + m] = np.einsum("ai,ijo,cj->oac", A_T, products, A_T)
    return out + bias.reshape(1, -1, 1, 1).astype(np.float32)


def rewrite(model: onnx.ModelProto, max_transformed_input_bytes: int = MAX_TRANSFORMED_INPUT_BYTES,
            min_output_channels: int = MIN_OUTPUT_CHANNELS) -> onnx.ModelProto:
    """A copy of `model` computing in float32 with its eligible 3×3 convolutions as Winograd F(4,3).

    Eligible: stride 1, dilation 1, one group, padding 1 on every side, weights and bias stored in
    the file, a height and width that are multiples of 4, at least `min_output_channels` output channels and
    a transformed input of at most `max_transformed_input_bytes` for one row of tiles. Where the whole
    layer's is larger, it is computed in bands of rows within that. Every other node stays as it is, in its place.
    """
    shapes = _known_shapes(model)
    weight_dims = {tensor.name: list(tensor.dims) for tensor in model.graph.initializer}
    model = _in_float32(model)
    graph = model.graph
    constants = _Constants(graph)
    nodes = []
    for node in graph.node:
        conv = _eligible_conv(node, shapes, weight_dims, max_transformed_input_bytes, min_output_channels)
        nodes.extend(_winograd_nodes(node, *conv, constants) if conv else [node])
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def rewritten_count(model: onnx.ModelProto) -> int:
    """How many convolutions `rewrite` turned into Winograd form (each adds its bias once, in bands or not)."""
    return sum(node.name.endswith("/winograd/add_bias") for node in model.graph.node)


def _in_float32(model: onnx.ModelProto) -> onnx.ModelProto:
    """A copy whose float16 initializers are stored as they are and cast once at the graph's start
    (folded when the session is created), and whose float16 casts, constants and types are float32."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    casts = []
    for tensor in graph.initializer:
        if tensor.data_type == TensorProto.FLOAT16:
            stored = f"{tensor.name}/float16"
            casts.append(helper.make_node("Cast", [stored], [tensor.name], name=f"{tensor.name}/float32", to=TensorProto.FLOAT))
            tensor.name = stored
    for node in graph.node:
        for attribute in node.attribute:
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == TensorProto.FLOAT16:
                attribute.i = TensorProto.FLOAT
            if attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type == TensorProto.FLOAT16:
                value = numpy_helper.to_array(attribute.t).astype(np.float32)
                attribute.t.CopyFrom(numpy_helper.from_array(value, attribute.t.name))
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT16:
            value.type.tensor_type.elem_type = TensorProto.FLOAT
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    return model


def _known_shapes(model: onnx.ModelProto) -> dict[str, list[int]]:
    """Every convolution input's shape. onnx's inference loses them behind Resize nodes whose sizes
    are computed (ISNet's and U²-Net's decoders), so those are measured: one run on zeros, which
    the networks' fixed input size allows."""
    inferred = shape_inference.infer_shapes(model).graph
    shapes = {value.name: [dim.dim_value for dim in value.type.tensor_type.shape.dim]
              for value in [*inferred.input, *inferred.value_info]}
    unknown = sorted({node.input[0] for node in model.graph.node if node.op_type == "Conv"
                      and (len(shapes.get(node.input[0], [])) != 4 or 0 in shapes[node.input[0]])})
    return {**shapes, **_measured_shapes(model, unknown)} if unknown else shapes


def _measured_shapes(model: onnx.ModelProto, names: list[str]) -> dict[str, list[int]]:
    import onnxruntime

    probe = onnx.ModelProto.FromString(model.SerializeToString())
    probe.graph.output.extend(helper.make_empty_tensor_value_info(name) for name in names)
    session = onnxruntime.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {}
    for value in session.get_inputs():
        if not all(isinstance(dim, int) for dim in value.shape):
            raise ValueError(f"input {value.name} has no fixed shape ({value.shape}) to measure the convolutions with")
        feeds[value.name] = np.zeros(value.shape, np.float16 if value.type == "tensor(float16)" else np.float32)
    return {name: list(result.shape) for name, result in zip(names, session.run(names, feeds))}


def _eligible_conv(node, shapes, initializer_dims, max_bytes, min_output_channels):
    """(ci, co, height, width, band_tile_rows) when `node` is a convolution `rewrite` takes, else None:
    `band_tile_rows` rows of 4×4 tiles in each band, all of them where the layer fits `max_bytes`."""
    if node.op_type != "Conv" or len(node.input) != 3 or not {*node.input[1:]} <= initializer_dims.keys():
        return None
    attributes = {attribute.name: helper.get_attribute_value(attribute) for attribute in node.attribute}
    weight_dims = initializer_dims[node.input[1]]
    shape = shapes.get(node.input[0], [])
    if (weight_dims[2:] != [3, 3] or attributes.get("group", 1) != 1
            or list(attributes.get("strides", [1, 1])) != [1, 1]
            or list(attributes.get("dilations", [1, 1])) != [1, 1]
            or list(attributes.get("pads", [0, 0, 0, 0])) != [1, 1, 1, 1]
            or len(shape) != 4 or 0 in shape or shape[2] % OUTPUT_TILE or shape[3] % OUTPUT_TILE):
        return None
    co, ci = weight_dims[:2]
    height, width = shape[2:]
    tiles_y, most_tile_rows = height // OUTPUT_TILE, max_bytes // (4 * ELEMENTS * ci * (width // OUTPUT_TILE))
    if co < min_output_channels or most_tile_rows == 0:
        return None
    bands = -(-tiles_y // most_tile_rows)
    return ci, co, height, width, -(-tiles_y // bands)  # bands as even as whole tile rows allow


class _Constants:
    """The transform matrices (once per graph) and each layer's shape vectors, as initializers."""

    INPUT_KERNELS = "winograd/input_kernels"
    OUTPUT_TRANSFORM = "winograd/output_transform"
    KERNEL_TRANSFORM = "winograd/G_kron_G"

    def __init__(self, graph):
        self._graph = graph
        graph.initializer.extend([
            numpy_helper.from_array(input_kernels(), self.INPUT_KERNELS),
            numpy_helper.from_array(output_transform(), self.OUTPUT_TRANSFORM),
            # [36, 9]: element (i, j) of G·w·Gᵀ from tap (a, b) of a kernel, G[i, a]·G[j, b].
            numpy_helper.from_array(np.kron(G, G), self.KERNEL_TRANSFORM),
        ])

    def shape(self, name: str, dims) -> str:
        self._graph.initializer.append(numpy_helper.from_array(np.array(dims, np.int64), name))
        return name


def _winograd_nodes(conv, ci, co, height, width, band_tile_rows, constants) -> list[onnx.NodeProto]:
    x, weight, bias = conv.input
    m, n = OUTPUT_TILE, INPUT_TILE
    prefix = f"{conv.name or conv.output[0]}/winograd"
    nodes = []

    def op(op_type, inputs, role, **attributes):
        name = f"{prefix}/{role}"
        nodes.append(helper.make_node(op_type, inputs, [name], name=name, **attributes))
        return name

    # Kernels, G·w·Gᵀ → [36, co, ci], one GEMM over the 9 taps of every kernel: constants only,
    # so folded when the session is created.
    taps = op("Reshape", [weight, constants.shape(f"{prefix}/taps_shape", [co * ci, 9])], "kernel_taps")
    by_element = op("Gemm", [constants.KERNEL_TRANSFORM, taps], "kernel_by_element", transB=1)
    kernels = op("Reshape", [by_element, constants.shape(f"{prefix}/kernel_shape", [ELEMENTS, co, ci])], "kernels")
    basis = op("Tile", [constants.INPUT_KERNELS, constants.shape(f"{prefix}/basis_repeats", [ci, 1, 1, 1])], "basis")
    tiles_x = width // m

    def band(rows, pads, tiles_y, role):
        """The convolution of one band of rows (all of them, for a layer in one band), without its bias."""
        # Input tiles, Bᵀ·tile·B for every channel: [1, ci·36, H/4, W/4] → [36, ci, tiles].
        transformed = op("Conv", [rows, basis], f"{role}input", group=ci, kernel_shape=[n, n], strides=[m, m], pads=pads)
        per_channel = op("Reshape", [transformed, constants.shape(f"{prefix}/{role}tiles_shape",
                                                                  [ci, ELEMENTS, tiles_y * tiles_x])], f"{role}tiles")
        per_element = op("Transpose", [per_channel], f"{role}tiles_by_element", perm=[1, 0, 2])
        products = op("MatMul", [kernels, per_element], f"{role}products")
        flat = op("Reshape", [products, constants.shape(f"{prefix}/{role}products_shape",
                                                        [ELEMENTS, co * tiles_y * tiles_x])], f"{role}products_flat")
        outputs = op("MatMul", [constants.OUTPUT_TRANSFORM, flat], f"{role}outputs")
        # [4, 4, co, ty, tx] → [co, ty, 4, tx, 4]: each tile's 4×4 pixels back in place.
        split = op("Reshape", [outputs, constants.shape(f"{prefix}/{role}outputs_shape", [m, m, co, tiles_y, tiles_x])],
                   f"{role}outputs_by_pixel")
        placed = op("Transpose", [split], f"{role}outputs_placed", perm=[2, 3, 0, 4, 1])
        return op("Reshape", [placed, constants.shape(f"{prefix}/{role}image_shape", [1, co, tiles_y * m, width])],
                  f"{role}image")

    band_rows = band_tile_rows * m
    bands = [(top, min(top + band_rows, height)) for top in range(0, height, band_rows)]
    images = []
    for index, (top, end) in enumerate(bands):
        # A band reads one row beyond each of its edges, or the padding where that is the picture's edge.
        role = f"band{index}/" if len(bands) > 1 else ""
        rows = x
        if len(bands) > 1:
            rows = op("Slice", [x, constants.shape(f"{prefix}/{role}starts", [max(top - 1, 0)]),
                                constants.shape(f"{prefix}/{role}ends", [min(end + 1, height)]),
                                constants.shape(f"{prefix}/{role}axes", [2])], f"{role}rows")
        pads = [1 if top == 0 else 0, 1, 1 if end == height else 0, 1]
        images.append(band(rows, pads, (end - top) // m, role))
    image = op("Concat", images, "image", axis=2) if len(images) > 1 else images[0]
    channel_bias = op("Reshape", [bias, constants.shape(f"{prefix}/bias_shape", [1, co, 1, 1])], "bias")
    nodes.append(helper.make_node("Add", [image, channel_bias], [conv.output[0]], name=f"{prefix}/add_bias"))
    return nodes
