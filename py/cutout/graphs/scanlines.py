"""Scanlines graph: rows of straight RGBA → the PNG scanlines that store them, filtered by "Up".

    rgba       uint8 [h, w, 4]     rows of the picture
    above      uint8 [w, 4]        the picture's row just above them (zeros above its first row)
    scanlines  uint8 [h, 1 + 4w]   each row as the PNG's pixel data holds it: filter type 2, then
                                   every byte minus the byte one row up (modulo 256)

Photos change little from one row to the next, so the differences deflate far better than the
bytes themselves: the 12-megapixel benchmark cutout's PNG is 10.9 MB instead of 19.0 MB, and zlib
gets through it faster (`cutout.encode`). Up is a single Sub over whole rows; Average and Paeth
saved at most 4 % of the pixel data more on the same photos, for more passes. A PNG
decoder undoes it exactly: adding each byte to the one above gives the rows back.
"""

import numpy as np
import onnx

from .builder import INT64, UINT8, GraphBuilder

FILTER_UP = 2


def build() -> onnx.ModelProto:
    g = GraphBuilder()
    up_filtered(g, "rgba", "above", out="scanlines")
    return g.model(
        "scanlines",
        "Rows of straight RGBA as PNG scanlines, each filtered by Up (type 2) against the row above.",
        inputs=[("rgba", UINT8, ["h", "w", 4]), ("above", UINT8, ["w", 4])],
        outputs=[("scanlines", UINT8, ["h", "line"])],
    )


def up_filtered(g: GraphBuilder, rgba: str, above: str, out: str) -> str:
    """Rows `rgba` uint8 [h, w, 4] as scanlines [h, 1 + 4w] named `out`, filtered by Up against the
    rows above them: `above` (the w pixels of the row before the first, any shape), then their own."""
    index_zero, index_one = g.constant("index_zero", [0], INT64), g.constant("index_one", [1], INT64)
    row_count = g.op("Slice", g.op("Shape", rgba, out="scanline_pixels_shape"), index_zero, index_one, out="scanline_count")
    whole_row = g.constant("whole_row", [-1], INT64)
    rows = g.op("Reshape", rgba, g.op("Concat", row_count, whole_row, axis=0, out="scanline_rows_shape"), out="scanline_rows")
    above_row = g.op("Reshape", above, g.constant("one_row", [1, -1], INT64), out="scanline_above_row")
    # Each row's row above: the given one, then the rows themselves but the last.
    rows_but_last = g.op("Slice", rows, index_zero, whole_row, index_zero, out="scanline_rows_but_last")
    rows_above = g.op("Concat", above_row, rows_but_last, axis=0, out="scanline_rows_above")
    differences = g.op("Sub", rows, rows_above, out="scanline_differences")  # uint8 arithmetic wraps modulo 256
    filter_types = g.op("Expand", g.constant("filter_up", [FILTER_UP], UINT8, shape=[1, 1]),
                        g.op("Concat", row_count, index_one, axis=0, out="filter_column_shape"), out="filter_types")
    return g.op("Concat", filter_types, differences, axis=1, out=out)


def reference(rgba: np.ndarray, above: np.ndarray) -> np.ndarray:
    """What `build()` computes, in numpy: ([h, w, 4] uint8, [w, 4] uint8) → [h, 1 + 4w] uint8."""
    rows = rgba.reshape(rgba.shape[0], -1).astype(np.int16)
    rows_above = np.concatenate([above.reshape(1, -1).astype(np.int16), rows[:-1]])
    filter_types = np.full((rows.shape[0], 1), FILTER_UP, dtype=np.int16)
    return (np.concatenate([filter_types, rows - rows_above], axis=1) % 256).astype(np.uint8)
