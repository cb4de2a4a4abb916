"""Batch output: one ZIP of cutouts named after their originals, plus a list of failures."""

import io
import posixpath
import zipfile
from dataclasses import dataclass

FAILURES_NAME = "FAILED.txt"


@dataclass(frozen=True)
class BatchItem:
    original_name: str
    data: bytes | None = None     # the encoded cutout, or None when it failed
    error: str | None = None      # why it failed, for people


def output_name(original_name: str, extension: str = "png") -> str:
    # Browsers and shells may hand over full paths with either separator.
    base = posixpath.basename(original_name.replace("\\", "/"))
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    return f"{stem or 'cutout'}.{extension}"


def unique_names(names: list[str]) -> list[str]:
    """Number collisions ("a.png", "a (2).png") case-insensitively, as file systems may fold case."""
    taken: set[str] = set()
    result = []
    for name in names:
        stem, dot, extension = name.rpartition(".")
        candidate, number = name, 1
        while candidate.lower() in taken:
            number += 1
            candidate = f"{stem} ({number}){dot}{extension}"
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def zip_results(items: list[BatchItem], extension: str = "png") -> bytes:
    done = [item for item in items if item.data is not None]
    failed = [item for item in items if item.data is None]
    buffer = io.BytesIO()
    # PNGs are already deflated: storing them is as small and much faster.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, item in zip(unique_names([output_name(i.original_name, extension) for i in done]), done):
            archive.writestr(name, item.data)
        if failed:
            report = "".join(f"{item.original_name}: {item.error}\n" for item in failed)
            archive.writestr(FAILURES_NAME, report, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
