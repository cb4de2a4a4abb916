import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { PHOTO_DIR, PHOTO_INDEX } from './photos';

// JPEG and PNG, as a person would drop them; Pillow picks the encoding from the extension.
const WRITE_PHOTOS = `
import json, sys
from PIL import Image
from skimage import data
folder, index = sys.argv[1:]
photos = {}
for name, extension in [("astronaut", "jpg"), ("coffee", "png"), ("chelsea", "jpg")]:
    image = Image.fromarray(getattr(data, name)())
    path = f"{folder}/{name}.{extension}"
    image.save(path, quality=90)
    photos[name] = {"path": path, "width": image.width, "height": image.height}
with open(index, "w") as out:
    json.dump(photos, out)
`;

export default function globalSetup() {
  mkdirSync(PHOTO_DIR, { recursive: true });
  execFileSync('python3', ['-c', WRITE_PHOTOS, PHOTO_DIR, PHOTO_INDEX], { stdio: 'inherit' });
}
