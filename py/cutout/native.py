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


class PillowEncoder:
    """The Encoder of runtime.py for native runs: JPEG and WebP through Pillow, straight RGBA in."""

    async def encode(self, image, image_type, quality: int) -> bytes:
        import asyncio

        return await asyncio.to_thread(_encode_with_pillow, image, image_type, quality)


def _encode_with_pillow(image, image_type, quality: int) -> bytes:
    import io

    from PIL import Image

    picture = Image.frombytes("RGBA", (image.width, image.height), bytes(image.data))
    out = io.BytesIO()
    if image_type.key == "jpeg":
        picture.convert("RGB").save(out, "JPEG", quality=quality)
    else:
        # exact: keep the colour under transparent pixels, as Cutout's PNGs do (straight alpha).
        picture.save(out, "WEBP", quality=quality, alpha_quality=100, exact=True)
    return out.getvalue()
