import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { downloadCutout, openApp } from './app';
import { APP_URL } from './hosts';
import { PHOTO_DIR } from './photos';
import { readRgbaPng, type RgbaImage } from './png';

// The browser half of the input matrix (tests/inputs.py, table in README): every case marked
// `browser` is chosen, one after another on one page, with the Fast model and clean edge colours
// off, so the export keeps the decoded RGB. A readable file must come out at its shown size with
// its markers where its orientation puts them; an unreadable one must get its own message, and
// the next file must work. One test per case, all on one page (opened once per test worker),
// so a failure names its case and the cases after it still run.

interface Case {
  name: string;
  file_name: string;
  path: string;
  orientation: number | null;
  lossy: boolean;
  notice: string;
  colours: [number, number, number][];
  shown_size: [number, number];
  error_code: string;
  error_phrase: string;
}

const CASES_DIR = join(PHOTO_DIR, 'inputs');
const JOB_TIMEOUT_MS = 120_000;
const MARKER_CENTRE = 8; // imagefiles.MARKER // 2
// Where the red (stored top-left) and green (stored top-right) squares are seen, by EXIF orientation.
const SEEN_CORNERS: Record<number, [string, string]> = {
  1: ['top-left', 'top-right'], 2: ['top-right', 'top-left'], 3: ['bottom-right', 'bottom-left'],
  4: ['bottom-left', 'bottom-right'], 5: ['top-left', 'bottom-left'], 6: ['top-right', 'bottom-right'],
  7: ['bottom-right', 'top-right'], 8: ['bottom-left', 'top-left'],
};

function rgbAtCorner(image: RgbaImage, name: string): number[] {
  const [vertical, horizontal] = name.split('-');
  const x = horizontal === 'left' ? MARKER_CENTRE : image.width - 1 - MARKER_CENTRE;
  const y = vertical === 'top' ? MARKER_CENTRE : image.height - 1 - MARKER_CENTRE;
  const start = (y * image.width + x) * 4;
  return [...image.pixels.slice(start, start + 3)];
}

function expectClose(actual: number[], expected: number[], tolerance: number, what: string) {
  const off = actual.some((value, index) => Math.abs(value - expected[index]) > tolerance);
  expect(off, `${what}: ${actual} is not within ${tolerance} of ${expected}`).toBe(false);
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Chooses the case's file and waits until the app shows its result or its error. */
async function choose(page: Page, input: Case): Promise<'result' | 'error'> {
  await page.getByTestId('file-input').setInputFiles(input.path);
  const named = page.getByTestId('result-file').filter({ hasText: new RegExp(`^${escaped(input.file_name)}$`) });
  const result = page.getByTestId('result-panel').filter({ has: named });
  const error = page.getByTestId('error-panel').filter({ hasText: input.file_name });
  await expect(result.or(error).filter({ visible: true })).toBeVisible({ timeout: JOB_TIMEOUT_MS });
  return (await error.isVisible()) ? 'error' : 'result';
}

execFileSync('python3', ['tests/inputs.py', 'write', CASES_DIR], { stdio: 'inherit' });
const cases: Case[] = JSON.parse(readFileSync(join(CASES_DIR, 'cases.json'), 'utf8'));
let page: Page;

test.beforeAll(async ({ browser }) => {
  page = await browser.newPage({ baseURL: APP_URL, acceptDownloads: true });
  await openApp(page);
  await page.getByTestId('model-fast').check();
  await page.getByTestId('decontaminate').setChecked(false);
});

test.afterAll(async () => page?.close());

for (const input of cases) {
  test(`${input.name}: ${input.error_code ? `refused (${input.error_code})` : 'decoded as it is shown'}`, async () => {
    test.setTimeout(JOB_TIMEOUT_MS + 30_000);
    const outcome = await choose(page, input);
    if (input.error_code) {
      expect(outcome, `${input.name} must be refused`).toBe('error');
      await expect(page.getByTestId('error-message')).toContainText(new RegExp(escaped(input.error_phrase), 'i'));
      return;
    }
    const message = outcome === 'error' ? await page.getByTestId('error-message').innerText() : '';
    expect(outcome, `${input.name} must be cut out (${message})`).toBe('result');
    if (input.notice) await expect(page.getByTestId('notices')).toContainText(input.notice);
    else await expect(page.getByTestId('notices')).toBeHidden();
    const image = readRgbaPng((await downloadCutout(page)).bytes);
    expect([image.width, image.height], `${input.name} size`).toEqual(input.shown_size);
    if (input.orientation === null) return;
    const tolerance = input.lossy ? 12 : 1;
    const [red, green, blue] = input.colours;
    const [redCorner, greenCorner] = SEEN_CORNERS[input.orientation];
    expectClose(rgbAtCorner(image, redCorner), red, tolerance, `${input.name} red marker at ${redCorner}`);
    expectClose(rgbAtCorner(image, greenCorner), green, tolerance, `${input.name} green marker at ${greenCorner}`);
    if (input.orientation === 1) {
      const start = (30 * image.width + 32) * 4;
      expectClose([...image.pixels.slice(start, start + 3)], blue, tolerance, `${input.name} blue centre`);
    }
  });
}
