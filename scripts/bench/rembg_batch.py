"""rembg's side of the native comparison, run by bench.py with the rembg virtual environment's python:

    python rembg_batch.py MODEL.onnx OUTDIR IN...

One process, one custom-model session (the very U²-Net-p file Cutout uses), one PNG per input,
the way `cutout remove IN... -o OUTDIR` works.
"""

import os
import sys
from pathlib import Path

from rembg import new_session, remove


def main(model: str, outdir: str, *inputs: str) -> None:
    # rembg loads custom models only from inside its home folder: make the model's folder its home.
    os.environ["U2NET_HOME"] = str(Path(model).resolve().parent)
    session = new_session("u2net_custom", model_path=model)
    for name in inputs:
        png = remove(Path(name).read_bytes(), session=session)
        (Path(outdir) / f"{Path(name).stem}.png").write_bytes(png)


if __name__ == "__main__":
    main(*sys.argv[1:])
