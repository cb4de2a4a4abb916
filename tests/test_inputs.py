"""The input matrix (tests/inputs.py) natively: every case decodes to what it shows, or is refused
with its code and message, by the decoder and by the CLI (which then exits non-zero)."""

import asyncio
from pathlib import Path

import inputs
import pytest
from test_decode import SEEN_CORNERS, assert_close, corner, pixel

from cutout.cli import main
from cutout.decode import PillowDecoder
from cutout.errors import CutoutError
from cutout.limits import read_header
from cutout.sniff import sniff

CASES = inputs.cases()
DECODED = [name for name, (case, _) in CASES.items() if not case.error_code]
REFUSED = [name for name, (case, _) in CASES.items() if case.error_code]
BLUE_CENTRE = (32, 30)


@pytest.mark.parametrize("name", DECODED)
def test_each_readable_case_decodes_to_the_picture_it_shows(name):
    case, data = CASES[name]
    image_type = sniff(data)
    image = asyncio.run(PillowDecoder().decode(data, image_type))
    assert (image.width, image.height) == case.shown_size
    assert read_header(data, image_type).animated == bool(case.notice)
    if case.orientation is None:
        return
    tolerance = 12 if case.lossy else 1
    red_corner, green_corner = SEEN_CORNERS[case.orientation]
    red, green, blue = case.colours
    assert_close(corner(image, red_corner)[:3], red, tolerance)
    assert_close(corner(image, green_corner)[:3], green, tolerance)
    if case.orientation == 1:
        assert_close(pixel(image, *BLUE_CENTRE)[:3], blue, tolerance)


@pytest.mark.parametrize("name", REFUSED)
def test_each_unreadable_case_is_refused_with_its_code_and_message(name):
    case, data = CASES[name]
    with pytest.raises(CutoutError) as refusal:
        asyncio.run(PillowDecoder().decode(data, sniff(data)))
    assert refusal.value.code == case.error_code
    assert case.error_phrase in refusal.value.message


@pytest.mark.parametrize("name", REFUSED)
def test_the_cli_exits_non_zero_naming_the_problem(name, tmp_path, capsys):
    case, data = CASES[name]
    path = tmp_path / case.file_name
    path.write_bytes(data)
    assert main(["remove", str(path), "-o", str(tmp_path / "out"), "-q"]) != 0
    assert case.error_phrase in capsys.readouterr().err


def test_the_readme_table_is_the_generated_one():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    start, end = readme.index(inputs.TABLE_START), readme.index(inputs.TABLE_END) + len(inputs.TABLE_END)
    assert readme[start:end] == inputs.table(), "regenerate it: python tests/inputs.py table"
