import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cutOut, downloadCutout, openApp, readZip, test } from './app';
import { photo } from './photos';
import { readRgbaPng, type RgbaImage } from './png';

// Issue #6, Refinement: hand edits on the full-resolution mask, driven like a person (mouse on
// the canvas, toolbar controls), checked in the PNG the Download button gives.

async function openEditor(page: Page) {
  await page.getByTestId('refine').click();
  await expect(page.getByTestId('editor-canvas')).toBeVisible();
}

// Client coordinates of an image pixel's centre on the editor's canvas (zoomed to fit).
async function onCanvas(page: Page, x: number, y: number): Promise<[number, number]> {
  const canvas = page.getByTestId('editor-canvas');
  // Downloading scrolls the page to the Download button; a person scrolls back to draw.
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const { width, height } = await canvas.evaluate((element: HTMLCanvasElement) => ({ width: element.width, height: element.height }));
  return [box.x + (x + 0.5) * box.width / width, box.y + (y + 0.5) * box.height / height];
}

async function drag(page: Page, from: [number, number], to: [number, number]) {
  await page.mouse.move(...await onCanvas(page, ...from));
  await page.mouse.down();
  await page.mouse.move(...await onCanvas(page, ...to), { steps: 12 });
  await page.mouse.up();
}

async function settled(page: Page) {
  // The first refinement also starts ONNX Runtime in the editor's worker.
  await expect(page.getByTestId('editor-status')).toHaveAttribute('data-state', 'idle', { timeout: 60_000 });
}

async function exported(page: Page): Promise<RgbaImage> {
  return readRgbaPng((await downloadCutout(page)).bytes);
}

const alphaAt = (image: RgbaImage, x: number, y: number) => image.pixels[(y * image.width + x) * 4 + 3];

function alphasIn(image: RgbaImage, x0: number, y0: number, x1: number, y1: number): number[] {
  const values: number[] = [];
  for (let y = y0; y < y1; y += 1) for (let x = x0; x < x1; x += 1) values.push(alphaAt(image, x, y));
  return values;
}

async function brush(page: Page, { size, hardness, erase }: { size: number; hardness: number; erase: boolean }) {
  await page.getByTestId('tool-brush').check();
  await page.getByTestId(erase ? 'mode-erase' : 'mode-restore').check();
  await page.getByTestId('brush-size').fill(String(size));
  await page.getByTestId('brush-hardness').fill(String(hardness));
}

test.beforeEach(async ({ page }) => {
  await openApp(page);
  await cutOut(page, photo('coffee'), 'fast');
  await openEditor(page);
});

test('a brush-erased stroke is transparent in the exported PNG, and the rest is untouched', async ({ page }) => {
  const original = await exported(page);
  // Across the cup, which the model keeps opaque.
  expect(Math.min(...alphasIn(original, 260, 140, 340, 160))).toBeGreaterThan(200);

  await brush(page, { size: 40, hardness: 100, erase: true });
  await drag(page, [250, 150], [350, 150]);
  await settled(page);
  const edited = await exported(page);

  expect(Math.max(...alphasIn(edited, 260, 140, 340, 160)), 'alpha under the stroke').toBe(0);
  // Far from the stroke (beyond the refinement's region), every byte is the job's.
  const far = (image: RgbaImage) => image.pixels.subarray(0, 60 * image.width * 4);
  expect(Buffer.from(far(edited)).equals(Buffer.from(far(original)))).toBe(true);
});

test('hand edits stay with their photo when another is shown, and Download all zips them', async ({ page }) => {
  const cup = (image: RgbaImage) => alphasIn(image, 260, 140, 340, 160);
  await brush(page, { size: 40, hardness: 100, erase: true });
  await drag(page, [250, 150], [350, 150]);
  await settled(page);

  // The same photo under another name: its result takes the screen when it is done.
  const coffee = photo('coffee');
  await page.getByTestId('file-input').setInputFiles({ name: 'mug.png', mimeType: 'image/png', buffer: readFileSync(coffee.path) });
  await expect(page.getByTestId('result-file')).toHaveText('mug.png', { timeout: 240_000 });
  expect(Math.min(...cup(await exported(page))), 'the other photo').toBeGreaterThan(200);

  const coffeeName = basename(coffee.path);
  await page.getByTestId('queue-item').filter({ hasText: coffeeName }).getByRole('button').click();
  await expect(page.getByTestId('result-file')).toHaveText(coffeeName);
  await expect(page.getByTestId('result-size')).toContainText('edited');
  const shownAgain = await exported(page);
  expect(Math.max(...cup(shownAgain)), 'the edited photo, shown again').toBe(0);

  // Editing goes on from there, and the ZIP takes the cutout on screen as it is now.
  await openEditor(page);
  await brush(page, { size: 40, hardness: 100, erase: true });
  await drag(page, [250, 200], [350, 200]);
  await settled(page);
  const editedTwice = await exported(page);
  expect(Buffer.from(editedTwice.pixels).equals(Buffer.from(shownAgain.pixels)), 'the second edit changed something').toBe(false);
  expect(Math.max(...cup(editedTwice)), 'the first edit, still there').toBe(0);

  const downloading = page.waitForEvent('download');
  await page.getByTestId('download-all').click();
  const entries = readZip(await (await downloading).path());
  const zipped = readRgbaPng(entries[coffeeName.replace(/\.[^.]+$/, '.png')]);
  expect(Buffer.from(zipped.pixels).equals(Buffer.from(editedTwice.pixels)), 'the edited photo in the ZIP').toBe(true);
  expect(Math.min(...cup(readRgbaPng(entries['mug.png']))), 'the other photo in the ZIP').toBeGreaterThan(200);
});

test('a wand click on a uniform patch of background removes it again', async ({ page }) => {
  // The dark top-left corner is background (alpha 0): restore a patch of it with the brush first.
  const original = await exported(page);
  expect(Math.max(...alphasIn(original, 12, 14, 32, 26))).toBe(0);
  await brush(page, { size: 24, hardness: 100, erase: false });
  await drag(page, [10, 20], [34, 20]);
  await settled(page);
  const restored = await exported(page);
  expect(Math.min(...alphasIn(restored, 12, 14, 32, 26)), 'the restored patch').toBe(255);

  await page.getByTestId('tool-wand').check();
  await page.getByTestId('mode-erase').check();
  await page.getByTestId('wand-tolerance').fill('32');
  await page.mouse.click(...await onCanvas(page, 20, 20));
  await settled(page);
  const removed = await exported(page);
  expect(Math.max(...alphasIn(removed, 12, 14, 32, 26)), 'the patch after the wand').toBe(0);
});

test('undo and redo restore the exported pixels byte for byte', async ({ page }) => {
  const original = await exported(page);
  await brush(page, { size: 50, hardness: 30, erase: true });
  await drag(page, [200, 120], [380, 260]);
  await settled(page);
  const first = await exported(page);
  await drag(page, [380, 120], [200, 260]);
  await settled(page);
  const second = await exported(page);
  expect(Buffer.from(second.pixels).equals(Buffer.from(first.pixels)), 'the second stroke changed something').toBe(false);

  await page.getByTestId('undo').click();
  await settled(page);
  expect(Buffer.from((await exported(page)).pixels).equals(Buffer.from(first.pixels)), 'one undo').toBe(true);

  await page.getByTestId('editor-viewport').focus();
  await page.keyboard.press('Control+z');
  await settled(page);
  expect(Buffer.from((await exported(page)).pixels).equals(Buffer.from(original.pixels)), 'two undos').toBe(true);

  await page.keyboard.press('Control+Shift+z');
  await page.getByTestId('redo').click();
  await settled(page);
  expect(Buffer.from((await exported(page)).pixels).equals(Buffer.from(second.pixels)), 'two redos').toBe(true);
});

test('a rectangle selection keeps the brush inside it', async ({ page }) => {
  const original = await exported(page);
  expect(Math.min(...alphasIn(original, 220, 140, 360, 160))).toBeGreaterThan(200);
  await page.getByTestId('tool-rectangle').check();
  await drag(page, [260, 100], [320, 200]);
  await brush(page, { size: 30, hardness: 100, erase: true });
  await drag(page, [200, 150], [380, 150]);
  await settled(page);
  const edited = await exported(page);
  expect(Math.max(...alphasIn(edited, 262, 142, 318, 158)), 'inside the selection').toBe(0);
  expect(Buffer.from(edited.pixels).equals(Buffer.from(original.pixels)), 'the stroke changed something').toBe(false);
  for (const [x0, x1] of [[200, 258], [322, 380]]) {
    expect(alphasIn(edited, x0, 140, x1, 160), `beside the selection, x ${x0}..${x1}`).toEqual(alphasIn(original, x0, 140, x1, 160));
  }
});

test.describe('on a touch screen', () => {
  test.use({ hasTouch: true });

  test('two fingers pinch-zoom without painting, one finger paints', async ({ page, context }) => {
    const cdp = await context.newCDPSession(page);
    const touch = async (type: string, points: [number, number][]) => {
      await cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map(([x, y], id) => ({ x, y, id })) });
    };
    const canvas = page.getByTestId('editor-canvas');
    const fitWidth = (await canvas.boundingBox())!.width;
    const [cx, cy] = await onCanvas(page, 300, 150);
    await touch('touchStart', [[cx - 25, cy], [cx + 25, cy]]);
    for (let spread = 50; spread <= 200; spread += 25) await touch('touchMove', [[cx - spread / 2, cy], [cx + spread / 2, cy]]);
    await touch('touchEnd', []);
    expect((await canvas.boundingBox())!.width).toBeGreaterThan(fitWidth * 3);
    await expect(page.getByTestId('undo'), 'a pinch is no edit').toBeDisabled();

    await page.getByTestId('zoom-fit').click();
    await brush(page, { size: 40, hardness: 100, erase: true });
    await touch('touchStart', [await onCanvas(page, 250, 150)]);
    for (let x = 260; x <= 350; x += 10) await touch('touchMove', [await onCanvas(page, x, 150)]);
    await touch('touchEnd', []);
    await settled(page);
    expect(Math.max(...alphasIn(await exported(page), 260, 140, 340, 160)), 'alpha under the finger').toBe(0);
  });
});

test('refinement follows the Clean edge colours switch', async ({ page }) => {
  // The same soft stroke twice, the second time with the switch off: other edge colours. (Where a
  // sub-pixel difference in the pointer's path gives a pixel another alpha, it is left out.)
  await brush(page, { size: 60, hardness: 0, erase: true });
  await drag(page, [240, 150], [360, 170]);
  await settled(page);
  const cleaned = await exported(page);
  await page.getByTestId('undo').click();
  await page.getByTestId('decontaminate').setChecked(false);
  await drag(page, [240, 150], [360, 170]);
  await settled(page);
  const plain = await exported(page);

  let softPixels = 0, largest = 0;
  for (let i = 0; i < plain.pixels.length; i += 4) {
    const alpha = plain.pixels[i + 3];
    if (alpha === 0 || alpha === 255 || alpha !== cleaned.pixels[i + 3]) continue;
    softPixels += 1;
    for (let c = 0; c < 3; c += 1) largest = Math.max(largest, Math.abs(plain.pixels[i + c] - cleaned.pixels[i + c]));
  }
  expect(softPixels, 'soft pixels left by a soft brush').toBeGreaterThan(500);
  expect(largest, 'edge colours differ between the two').toBeGreaterThan(8);
});
