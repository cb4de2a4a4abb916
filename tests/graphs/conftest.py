import numpy as np
import onnxruntime as ort
import pytest
import skimage.data

from cutout.graphs import build_all, serialise

PHOTOS = ("astronaut", "coffee", "chelsea")


@pytest.fixture(scope="session")
def graphs():
    return build_all()


@pytest.fixture(scope="session")
def run_graph(graphs):
    """run_graph(file_name, **feeds) → the graph's output (a tuple where it has several), computed by onnxruntime on the CPU."""
    sessions = {}

    def run(file_name, **feeds):
        if file_name not in sessions:
            sessions[file_name] = ort.InferenceSession(serialise(graphs[file_name]), providers=["CPUExecutionProvider"])
        outputs = sessions[file_name].run(None, feeds)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    return run


@pytest.fixture(params=PHOTOS)
def photo(request) -> np.ndarray:
    """A real photograph as opaque RGBA uint8."""
    rgb = getattr(skimage.data, request.param)()
    opaque = np.full(rgb.shape[:2] + (1,), 255, dtype=np.uint8)
    return np.concatenate([rgb, opaque], axis=-1)
