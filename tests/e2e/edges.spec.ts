import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutOut, downloadCutout, openApp, test } from './app';
import { photo, type PhotoName } from './photos';
import { readRgbaPng, type RgbaImage } from './png';

// Issue #4: the browser (Pyodide + onnxruntime-web) and the CLI (onnxruntime) run the same
// pipeline and graphs, so their exports of one image agree within 1/255 in every channel,
// with edge decontamination on (the default) and off.

function cliCutout(photoPath: string, decontaminate: boolean): RgbaImage {
  const out = mkdtempSync(join(tmpdir(), 'cutout-cli-'));
  const flags = decontaminate ? [] : ['--no-decontaminate'];
  execFileSync('python3', ['-m', 'cutout.cli', 'remove', photoPath, '-o', out, '--model', 'fast', '-q', ...flags]);
  const name = photoPath.replace(/^.*\//, '').replace(/\.[^.]*$/, '.png');
  return readRgbaPng(readFileSync(join(out, name)));
}

function largestDifference(a: RgbaImage, b: RgbaImage): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let largest = 0;
  for (let i = 0; i < a.pixels.length; i += 1) largest = Math.max(largest, Math.abs(a.pixels[i] - b.pixels[i]));
  return largest;
}

async function browserCutout(page, photoName: PhotoName, decontaminate: boolean): Promise<RgbaImage> {
  await page.getByTestId('decontaminate').setChecked(decontaminate);
  await cutOut(page, photo(photoName), 'fast');
  return readRgbaPng((await downloadCutout(page)).bytes);
}

for (const photoName of ['coffee', 'chelsea'] as PhotoName[]) {
  test(`${photoName}: the browser export equals the CLI export within 1/255, with and without decontamination`, async ({ page }) => {
    const input = photo(photoName);
    await openApp(page);
    const cleaned = await browserCutout(page, photoName, true);
    expect(largestDifference(cleaned, cliCutout(input.path, true))).toBeLessThanOrEqual(1);

    const plain = await browserCutout(page, photoName, false);
    expect(largestDifference(plain, cliCutout(input.path, false))).toBeLessThanOrEqual(1);
    // The switch really changes the soft edges (and so this test can tell the two apart).
    expect(largestDifference(cleaned, plain)).toBeGreaterThan(8);
  });
}
