"""python -m cutout.graphs OUTDIR: writes every generated graph file into OUTDIR.

The same source always writes byte-identical files, so generated graphs can be cached by hash.
"""

import argparse
from pathlib import Path

import onnx

from . import build_all, serialise


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cutout.graphs", description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path, help="folder to write the .onnx files into (created if missing)")
    outdir = parser.parse_args(argv).outdir
    outdir.mkdir(parents=True, exist_ok=True)
    for file_name, graph in build_all().items():
        # Never ship a graph that onnx itself rejects.
        onnx.checker.check_model(graph, full_check=True)
        data = serialise(graph)
        path = outdir / file_name
        path.write_bytes(data)
        print(f"wrote {path} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
