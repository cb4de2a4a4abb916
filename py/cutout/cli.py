"""`cutout remove …` and `cutout models …`: the native front end of the same pipeline."""

import argparse
import asyncio
import sys
from pathlib import Path

from . import batch
from .errors import CutoutError
from .export import DEFAULT_QUALITY, EXTENSIONS, FORMATS, LOWEST_QUALITY, export_cutout
from .job import TRANSPARENT, JobOptions, parse_background, run_job
from .models import MODELS


class Progress:
    """One status line per file; redrawn in place on a terminal, plain lines otherwise."""

    def __init__(self, total: int, stream=None, quiet: bool = False):
        # Looked up at call time so redirected streams (tests, wrappers) are honoured.
        self.stream = stream or sys.stderr
        self.total, self.quiet = total, quiet
        self.live = self.stream.isatty()
        self.index, self.name = 0, ""

    def start(self, index: int, name: str) -> None:
        self.index, self.name = index, name

    def __call__(self, event: dict) -> None:
        if self.quiet or event["state"] in ("failed", "done"):
            return
        done = self.index - 1
        width = 20
        filled = int(width * done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] {self.index}/{self.total} {self.name}: {event.get('stage', event['state'])}"
        if self.live:
            self.stream.write("\r\x1b[2K" + line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self, message: str) -> None:
        if self.live and not self.quiet:
            self.stream.write("\r\x1b[2K")
        self.stream.write(message + "\n")
        self.stream.flush()


async def _cut_out(data: bytes, args, runtime, decoder, encoder, progress):
    """One file's verified output and its notices. A colour background is laid by the job itself;
    a picture, or a format other than PNG, goes through the export stage."""
    colour = args.background if isinstance(args.background, tuple) else TRANSPARENT
    options = JobOptions(model=args.model, background=colour, decontaminate=args.decontaminate)
    result = await run_job(data, runtime=runtime, decoder=decoder, options=options, report=progress)
    if args.format == "png" and isinstance(args.background, tuple):
        return result.png, result.notices
    picture = None if isinstance(args.background, tuple) else args.background.read_bytes()
    exported = await export_cutout(result.cutout, format=args.format, quality=args.quality, background=picture,
                                   runtime=runtime, decoder=decoder, encoder=encoder)
    return exported.data, result.notices + exported.notices


async def _remove(args) -> int:
    from .decode import PillowDecoder
    from .native import NativeRuntime, PillowEncoder, keep_big_buffers_in_the_heap

    keep_big_buffers_in_the_heap()
    runtime, decoder, encoder = NativeRuntime(), PillowDecoder(), PillowEncoder()
    progress = Progress(len(args.inputs), quiet=args.quiet)
    items: list[batch.BatchItem] = []
    for index, path in enumerate(args.inputs, start=1):
        progress.start(index, path)
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            items.append(batch.BatchItem(path, error=f"cannot read the file: {error.strerror}"))
        else:
            try:
                output, notices = await _cut_out(data, args, runtime, decoder, encoder, progress)
            except CutoutError as error:
                items.append(batch.BatchItem(path, error=error.message))
            else:
                items.append(batch.BatchItem(path, data=output))
                for notice in notices:
                    progress.finish(f"note: {path}: {notice}")
        item = items[-1]
        progress.finish(f"ok: {path}" if item.error is None else f"error: {path}: {item.error}")

    succeeded = [item for item in items if item.data is not None]
    extension = EXTENSIONS[args.format]
    if args.zip:
        Path(args.zip).write_bytes(batch.zip_results(items, extension))
        progress.finish(f"wrote {args.zip} ({len(succeeded)} cutouts)")
    else:
        outdir = Path(args.output)
        outdir.mkdir(parents=True, exist_ok=True)
        names = batch.unique_names([batch.output_name(item.original_name, extension) for item in succeeded])
        for name, item in zip(names, succeeded):
            (outdir / name).write_bytes(item.data)
        progress.finish(f"wrote {len(succeeded)} cutout(s) to {outdir}")
    failures = len(items) - len(succeeded)
    if failures:
        progress.finish(f"{failures} of {len(items)} file(s) failed")
    return 0 if failures == 0 else 1


def _models(args) -> int:
    from .vendor import fetch_all, is_cached, models_dir

    unknown = [key for key in args.keys if key not in MODELS]
    if unknown:
        print(f"cutout: unknown model {unknown[0]!r}; choose from: {', '.join(MODELS)}", file=sys.stderr)
        return 2
    if args.action == "fetch":
        fetch_all(args.keys or None, log=lambda line: print(line, file=sys.stderr))
        return 0
    folder = models_dir()
    print(f"models folder: {folder}")
    for model in MODELS.values():
        state = "cached" if is_cached(model, folder) else "not downloaded"
        print(f"{model.key:5} {model.title:20} {model.size / 1e6:6.1f} MB  {model.licence:11} {state}")
    return 0


def _background(text: str):
    """A colour (transparent, #RRGGBB) or the path of a picture to lay the cutout on."""
    try:
        return parse_background(text)
    except ValueError as error:
        if Path(text).is_file():
            return Path(text)
        raise argparse.ArgumentTypeError(f"{error}, or the path of a picture") from None


def _quality(text: str) -> int:
    if not text.isdigit() or not LOWEST_QUALITY <= int(text) <= 100:
        raise argparse.ArgumentTypeError(f"quality must be a whole number from {LOWEST_QUALITY} to 100, not {text!r}")
    return int(text)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cutout", description="Remove image backgrounds, privately, on this machine.")
    commands = root.add_subparsers(dest="command", required=True)

    remove = commands.add_parser("remove", help="cut out one or more images")
    remove.add_argument("inputs", nargs="+", metavar="IN")
    target = remove.add_mutually_exclusive_group(required=True)
    target.add_argument("-o", "--output", metavar="OUTDIR", help="write one file per input into OUTDIR")
    target.add_argument("--zip", metavar="OUT.zip", help="write all cutouts into one ZIP")
    remove.add_argument("--model", choices=list(MODELS), default="fast")
    remove.add_argument("--format", choices=list(FORMATS), default="png",
                        help="png (default, straight alpha), jpeg (flattened, on white unless --background) or webp (alpha)")
    remove.add_argument("--quality", type=_quality, default=DEFAULT_QUALITY,
                        help=f"jpeg/webp quality, {LOWEST_QUALITY}–100 (default {DEFAULT_QUALITY})")
    remove.add_argument("--background", type=_background, default=parse_background("transparent"),
                        help="transparent (default), #RRGGBB to flatten onto a colour, or a picture to lay the cutout on")
    remove.add_argument("--no-decontaminate", dest="decontaminate", action="store_false",
                        help="keep the photo's own colours in soft edges instead of the estimated subject colour")
    remove.add_argument("-q", "--quiet", action="store_true", help="only print results and errors")

    models = commands.add_parser("models", help="list or fetch the models")
    models.add_argument("action", nargs="?", choices=["list", "fetch"], default="list")
    models.add_argument("keys", nargs="*", metavar="MODEL", help=f"one of: {', '.join(MODELS)} (default: all)")
    return root


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.command == "remove":
        return asyncio.run(_remove(args))
    return _models(args)


if __name__ == "__main__":
    sys.exit(main())
