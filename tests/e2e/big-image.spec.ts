import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { cutOut, downloadCutout, expectSoftCutout, openApp, test } from './app';
import { PHOTO_DIR, type Photo } from './photos';

// Issue #5: a 48-megapixel camera photo (8000×6000 JPEG) cuts out in the browser without the tab
// dying, and the mask is applied at full resolution: the export is 8000×6000 with soft alpha.
// Peak memory is measured by the benchmark command, never here.

const WRITE_BIG_JPEG = `
import sys
from PIL import Image
from skimage import data
Image.fromarray(data.chelsea()).resize((8000, 6000), Image.Resampling.BICUBIC).save(sys.argv[1], quality=90)
`;

test('an 8000×6000 JPEG is cut out at full resolution with soft edges', async ({ page }) => {
  test.setTimeout(900_000);
  const big: Photo = { path: join(PHOTO_DIR, 'chelsea-8000x6000.jpg'), width: 8000, height: 6000 };
  execFileSync('python3', ['-c', WRITE_BIG_JPEG, big.path]);
  await openApp(page);
  await cutOut(page, big, 'fast', 600_000);
  expectSoftCutout((await downloadCutout(page)).bytes, big);
});
