"""The CLI end to end on real photos, with the real models and the generated graphs."""

import io
import os
import zipfile

import numpy
import pytest
from PIL import Image

from cutout.cli import main
from photos import encoded, photo


def read_png(path_or_bytes):
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else open(path_or_bytes, "rb").read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA"
    return image


def assert_soft_alpha(image):
    alpha = numpy.asarray(image.getchannel("A"))
    soft = numpy.count_nonzero((alpha > 0) & (alpha < 255))
    assert soft >= 0.001 * alpha.size, f"only {soft} soft alpha pixels"
    assert numpy.count_nonzero(alpha == 0) > 0 and numpy.count_nonzero(alpha == 255) > 0


def test_a_12_megapixel_jpeg_becomes_a_verified_straight_alpha_png(tmp_path, capsys):
    source = tmp_path / "portrait.jpg"
    source.write_bytes(encoded(photo("astronaut", (4000, 3000))))
    assert main(["remove", str(source), "-o", str(tmp_path / "out"), "--model", "fast"]) == 0
    cutout = read_png(tmp_path / "out" / "portrait.png")
    assert cutout.size == (4000, 3000)
    assert_soft_alpha(cutout)
    # Straight alpha: where the cutout is fully transparent, the photo's own colours remain.
    rgba = numpy.asarray(cutout)
    original = numpy.asarray(Image.open(source).convert("RGB"))
    transparent = rgba[..., 3] == 0
    assert numpy.array_equal(rgba[..., :3][transparent], original[transparent])


def test_the_best_model_cuts_out_a_photo(tmp_path):
    source = tmp_path / "cat.png"
    source.write_bytes(encoded(photo("chelsea"), "PNG"))
    assert main(["remove", str(source), "-o", str(tmp_path), "--model", "best", "-q"]) == 0
    cutout = read_png(tmp_path / "cat.png")
    assert cutout.size == Image.open(source).size
    assert_soft_alpha(cutout)


def test_random_bytes_named_png_fail_with_what_they_really_are(tmp_path, capsys):
    fake = tmp_path / "holiday.png"
    fake.write_bytes(os.urandom(4096))
    pdf = tmp_path / "scan.png"
    pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")
    assert main(["remove", str(fake), str(pdf), "-o", str(tmp_path / "out")]) != 0
    err = capsys.readouterr().err
    assert "holiday.png" in err and "not a recognised image" in err
    assert "scan.png" in err and "PDF" in err
    assert not list((tmp_path / "out").glob("*.png"))


def test_one_bad_file_does_not_stop_the_batch(tmp_path, capsys):
    good = tmp_path / "coffee.jpg"
    good.write_bytes(encoded(photo("coffee", (400, 266))))
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    archive_path = tmp_path / "cutouts.zip"
    assert main(["remove", str(empty), str(good), str(tmp_path / "missing.jpg"), "--zip", str(archive_path)]) == 1
    archive = zipfile.ZipFile(archive_path)
    assert archive.namelist() == ["coffee.png", "FAILED.txt"]
    failures = archive.read("FAILED.txt").decode()
    assert "empty.jpg" in failures and "missing.jpg" in failures
    assert read_png(archive.read("coffee.png")).size == (400, 266)
    err = capsys.readouterr().err
    assert "2 of 3 file(s) failed" in err


def test_a_background_colour_flattens_the_cutout(tmp_path):
    source = tmp_path / "coffee.jpg"
    source.write_bytes(encoded(photo("coffee", (300, 200))))
    transparent_dir, flat_dir = tmp_path / "t", tmp_path / "f"
    assert main(["remove", str(source), "-o", str(transparent_dir), "-q"]) == 0
    assert main(["remove", str(source), "-o", str(flat_dir), "--background", "#00FF00", "-q"]) == 0
    alpha = numpy.asarray(read_png(transparent_dir / "coffee.png"))[..., 3]
    flat = numpy.asarray(read_png(flat_dir / "coffee.png"))
    assert (flat[..., 3] == 255).all()
    assert (flat[alpha == 0][:, :3] == [0, 255, 0]).all()


def test_a_bad_background_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["remove", "x.jpg", "-o", str(tmp_path), "--background", "green"])
    assert exit_info.value.code == 2


def test_models_are_listed_with_size_licence_and_state(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "fast" in out and "Apache-2.0" in out and "4.6 MB" in out
    assert "best" in out and "AGPL-3.0" in out and "88.2 MB" in out
    assert "cached" in out


def test_no_decontaminate_keeps_the_photo_colours_in_soft_edges(tmp_path):
    source = tmp_path / "coffee.png"
    source.write_bytes(encoded(photo("coffee", (240, 160)), "PNG"))
    assert main(["remove", str(source), "-o", str(tmp_path / "plain"), "--no-decontaminate", "-q"]) == 0
    rgba = numpy.asarray(read_png(tmp_path / "plain" / "coffee.png"))
    original = numpy.asarray(Image.open(source).convert("RGB"))
    visible = rgba[..., 3] > 0
    assert numpy.array_equal(rgba[..., :3][visible], original[visible])


def test_jpeg_on_a_colour_and_webp_with_alpha_keep_the_base_names(tmp_path):
    source = tmp_path / "cat.png"
    source.write_bytes(encoded(photo("chelsea", (451, 300)), "PNG"))
    out = tmp_path / "out"
    assert main(["remove", str(source), "-o", str(out), "-q"]) == 0
    assert main(["remove", str(source), "-o", str(out), "--format", "jpeg", "--background", "#00ff00", "-q"]) == 0
    assert main(["remove", str(source), "-o", str(out), "--format", "webp", "-q"]) == 0
    alpha = numpy.asarray(read_png(out / "cat.png").getchannel("A"))
    flattened = numpy.asarray(Image.open(out / "cat.jpg").convert("RGB")).astype(int)
    clear = alpha == 0
    assert clear.mean() > 0.05
    assert numpy.abs(flattened[clear] - (0, 255, 0)).mean() < 8
    webp = Image.open(out / "cat.webp")
    assert webp.format == "WEBP" and webp.mode == "RGBA"
    assert numpy.abs(numpy.asarray(webp.getchannel("A")).astype(int) - alpha).max() <= 1


def test_a_quality_below_the_safe_range_is_a_usage_error(tmp_path):
    source = tmp_path / "cat.jpg"
    source.write_bytes(encoded(photo("chelsea", (451, 300))))
    with pytest.raises(SystemExit) as exit:
        main(["remove", str(source), "-o", str(tmp_path), "--format", "jpeg", "--quality", "5"])
    assert exit.value.code == 2
