"""The native surroundings of the pipeline: onnxruntime sessions and Pillow decoding.

The generated graphs are built in-process by the same builders that write the browser's
graph files, so the CLI and the web app run identical graphs.
"""

from pathlib import Path

from .errors import ModelUnavailable
from .models import MODELS
from .tensor import Tensor
from .vendor import is_cached, models_dir

MODEL_FILES = {model.file: model for model in MODELS.values()}


class NativeRuntime:
    def __init__(self, folder: Path | None = None):
        self.folder = folder or models_dir()
        self._sessions = {}

    def _session(self, name: str):
        if name not in self._sessions:
            import onnxruntime

            if name in MODEL_FILES:
                model = MODEL_FILES[name]
                if not is_cached(model, self.folder):
                    raise ModelUnavailable(f"the {model.title} model is not downloaded: run `cutout models fetch {model.key}`")
                source = str(self.folder / name)
            else:
                from .graphs import build_all

                source = build_all()[name].SerializeToString()
            self._sessions[name] = onnxruntime.InferenceSession(source, providers=["CPUExecutionProvider"])
        return self._sessions[name]

    async def run(self, graph: str, feeds: dict[str, Tensor], outputs: list[str]) -> dict[str, Tensor]:
        import numpy

        arrays = {name: numpy.frombuffer(t.data, dtype=t.dtype).reshape(t.shape) for name, t in feeds.items()}
        results = self._session(graph).run(outputs, arrays)
        return {name: Tensor(str(array.dtype), tuple(array.shape), numpy.ascontiguousarray(array).tobytes())
                for name, array in zip(outputs, results)}
