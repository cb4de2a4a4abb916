import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutOut, downloadCutout, openApp, test } from './app';
import { photo } from './photos';
import { readRgbaPng, type RgbaImage } from './png';

// Backgrounds and formats (issue #6): the export stage lays the cutout on the chosen background
// and encodes the chosen format, verified, in a worker of its own.

const RED = [255, 0, 0];

/** Any image file the tests receive, decoded by Pillow (python3 from the test venv) to RGBA. */
function decodeWithPillow(bytes: Buffer): RgbaImage {
  const file = join(mkdtempSync(join(tmpdir(), 'cutout-export-')), 'image');
  writeFileSync(file, bytes);
  const script = 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); '
    + 'print(im.format, im.width, im.height); sys.stdout.flush(); sys.stdout.buffer.write(im.convert("RGBA").tobytes())';
  const output = execFileSync('python3', ['-c', script, file], { maxBuffer: 1 << 28 });
  const newline = output.indexOf(10);
  const [format, width, height] = output.subarray(0, newline).toString().split(' ');
  return { width: Number(width), height: Number(height), pixels: new Uint8Array(output.subarray(newline + 1)), format } as RgbaImage;
}

async function chooseOutput(page: Page, format: 'png' | 'jpeg' | 'webp', colour?: string) {
  await page.getByTestId('output-format').selectOption(format);
  if (colour) await page.getByTestId('backdrop-colour').fill(colour);
  else await page.getByTestId('backdrop-transparent').check();
}

function pixelsWhere(image: RgbaImage, mask: (index: number) => boolean) {
  const chosen: number[][] = [];
  for (let i = 0; i < image.width * image.height; i += 1) if (mask(i)) chosen.push(Array.from(image.pixels.subarray(i * 4, i * 4 + 4)));
  return chosen;
}

test('a colour background gives opaque PNG and JPEG exports with that colour where the cutout was clear', async ({ page }) => {
  const input = photo('astronaut');
  await openApp(page);
  await cutOut(page, input, 'fast');
  const transparent = readRgbaPng((await downloadCutout(page)).bytes);
  const clear = (i: number) => transparent.pixels[i * 4 + 3] === 0;

  await chooseOutput(page, 'png', '#ff0000');
  const png = await downloadCutout(page);
  expect(png.name).toBe('astronaut.png');
  const onRed = readRgbaPng(png.bytes);
  expect(pixelsWhere(onRed, (i) => onRed.pixels[i * 4 + 3] !== 255)).toHaveLength(0);
  const redPixels = pixelsWhere(onRed, clear);
  expect(redPixels.length).toBeGreaterThan(input.width * input.height * 0.05);
  expect(redPixels.every((p) => p[0] === 255 && p[1] === 0 && p[2] === 0)).toBe(true);

  await chooseOutput(page, 'jpeg', '#ff0000');
  const jpeg = await downloadCutout(page);
  expect(jpeg.name).toBe('astronaut.jpg');
  const flattened = decodeWithPillow(jpeg.bytes);
  expect((flattened as RgbaImage & { format: string }).format).toBe('JPEG');
  expect([flattened.width, flattened.height]).toEqual([input.width, input.height]);
  const jpegRed = pixelsWhere(flattened, clear);
  const meanError = jpegRed.reduce((sum, p) => sum + Math.abs(p[0] - RED[0]) + p[1] + p[2], 0) / (jpegRed.length * 3);
  expect(meanError).toBeLessThan(6);
});

test('WebP export keeps the cutout\'s transparency; JPEG on transparent says it goes on white', async ({ page }) => {
  const input = photo('coffee');
  await openApp(page);
  await cutOut(page, input, 'fast');
  const png = readRgbaPng((await downloadCutout(page)).bytes);

  await chooseOutput(page, 'webp');
  const webp = await downloadCutout(page);
  expect(webp.name).toBe('coffee.webp');
  const decoded = decodeWithPillow(webp.bytes);
  expect((decoded as RgbaImage & { format: string }).format).toBe('WEBP');
  let largest = 0;
  for (let i = 3; i < png.pixels.length; i += 4) largest = Math.max(largest, Math.abs(png.pixels[i] - decoded.pixels[i]));
  expect(largest).toBeLessThanOrEqual(1);

  await chooseOutput(page, 'jpeg');
  await expect(page.getByTestId('jpeg-note')).toBeVisible();
  const jpeg = await downloadCutout(page);
  expect(jpeg.name).toBe('coffee.jpg');
  await expect(page.getByTestId('notices')).toContainText(/laid on white/);
});
