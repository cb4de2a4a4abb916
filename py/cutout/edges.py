"""How edge refinement scales with the picture: working block, blur radii, and a band's context rows.

Pure standard library, so that the job computes the same numbers in Pyodide as natively. The
compose graph (`cutout.graphs.edge`) estimates foreground colours from box blurs of a copy reduced
by summing blocks of `block` × `block` pixels; a band of rows gives the whole picture's answer for
its own rows only if it starts on a block boundary and carries every row those blurs reach.
"""

# Radii measured best on the development set (scripts/quality.py), whose long side is 640 pixels.
# Soft edges widen with the picture (masks are upsampled), so the radii scale with the long side.
REFERENCE_LONG_SIDE = 640
RADII_AT_REFERENCE = (30, 10, 3, 1)
# Above this long side the blurs run on block sums: the means they take are smooth anyway, and the
# cost stays that of a picture this size. Each pixel's own colour and alpha still decide its result.
# The reference side itself: the working copy's long side is then between half of it and all of it.
# Half is the worst case, and it measured nearly as well on the development set (gap closed 79 %
# and 84 % against 80 % and 86 %, dark halo unchanged); a third lost 4 and 7 points. At 1024² this
# quarters the estimation work, which took most of compose's time there.
WORKING_LONG_SIDE = REFERENCE_LONG_SIDE
# Channels of the estimated maps (cutout.graphs.estimate): foreground and background mean RGB,
# local foreground and background L*.
MAP_COUNT = 8


def block_size(width: int, height: int) -> int:
    return -(-max(width, height) // WORKING_LONG_SIDE)


def blur_radii(width: int, height: int) -> tuple[int, ...]:
    """The box-blur radius of each foreground-estimation pass on the reduced copy, largest first, each ≥ 1."""
    working_long_side = -(-max(width, height) // block_size(width, height))
    scale = working_long_side / REFERENCE_LONG_SIDE
    return tuple(max(1, round(radius * scale)) for radius in RADII_AT_REFERENCE)


def context_rows(width: int, height: int) -> int:
    """Rows above and below a band that reach its rows through every pass, in whole blocks.

    One block more than the radii add up to, for the bilinear step from the reduced copy back.
    """
    return block_size(width, height) * (sum(blur_radii(width, height)) + 1)


def map_rows(top: int, rows: int, block: int, map_count: int) -> tuple[int, int]:
    """Slice bounds of the reduced copy's rows that picture rows top..top+rows reach through the
    bilinear step back (half-pixel centres, the edge repeated), of `map_count` rows in all."""
    def lower(row: int) -> int:  # the reduced row at or just above the row's sample point
        return (2 * row + 1 - block) // (2 * block)
    return max(0, lower(top)), min(map_count - 1, lower(top + rows - 1) + 1) + 1
