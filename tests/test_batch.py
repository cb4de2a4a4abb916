import io
import zipfile

from hypothesis import given, strategies as st

from cutout.batch import FAILURES_NAME, BatchItem, output_name, unique_names, zip_results


def test_output_names_keep_the_base_name():
    assert output_name("holiday/IMG_0001.HEIC") == "IMG_0001.png"
    assert output_name("C:\\photos\\cat.jpeg") == "cat.png"
    assert output_name("archive.tar.gz") == "archive.tar.png"
    assert output_name(".hidden") == ".hidden.png"
    assert output_name("") == "cutout.png"


def test_collisions_are_numbered_case_insensitively():
    assert unique_names(["a.png", "A.png", "a.png", "b.png"]) == ["a.png", "A (2).png", "a (3).png", "b.png"]


@given(st.lists(st.sampled_from(["x.png", "X.png", "x (2).png", "y.png"]), max_size=12))
def test_unique_names_never_collide(names):
    result = unique_names(names)
    assert len(result) == len(names)
    assert len({name.lower() for name in result}) == len(result)


def test_zip_holds_cutouts_and_lists_failures():
    items = [
        BatchItem("a.jpg", data=b"png-a"),
        BatchItem("dir/a.webp", data=b"png-b"),
        BatchItem("broken.png", error="the file is empty (0 bytes)"),
    ]
    archive = zipfile.ZipFile(io.BytesIO(zip_results(items)))
    assert archive.namelist() == ["a.png", "a (2).png", FAILURES_NAME]
    assert archive.read("a (2).png") == b"png-b"
    assert archive.read(FAILURES_NAME).decode() == "broken.png: the file is empty (0 bytes)\n"


def test_zip_without_failures_has_no_failure_list():
    archive = zipfile.ZipFile(io.BytesIO(zip_results([BatchItem("a.jpg", data=b"1")])))
    assert archive.namelist() == ["a.png"]
