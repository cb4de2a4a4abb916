import { test as base, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alphaHistogram, readRgbaPng } from './png';
import type { Photo } from './photos';

// Drives the app the way a person does: pick a model, choose a file, wait, click Download.

const JOB_TIMEOUT_MS = 240_000;

// Every test gets the browser's console (page and workers) attached when it fails: a job dies
// inside a worker, where the test cannot otherwise see why.
export const test = base.extend<{ browserConsole: void }>({
  browserConsole: [async ({ page }, use, testInfo) => {
    const lines: string[] = [];
    page.on('console', (message) => lines.push(`page ${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => lines.push(`page error: ${error.message}`));
    page.on('worker', (worker) => worker.on('console', (message) => lines.push(`worker ${message.type()}: ${message.text()}`)));
    await use();
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('browser console', { body: lines.join('\n'), contentType: 'text/plain' });
    }
  }, { auto: true }],
});

// What web/worker-protocol.js records of each job worker when the page opts in (docs/web-contract.md).
// `kind` stays null for a worker prepared ahead of the next job until it is given one.
export interface WorkerRecord { id: string; kind: string | null; created: number; terminated: number | null }

export const recordWorkers = (page: Page) => page.addInitScript(() => { (window as any).__cutoutWorkers = []; });
export const workerRecords = (page: Page): Promise<WorkerRecord[]> => page.evaluate(() => (window as any).__cutoutWorkers);
/** The workers that were given a job, in the order they were created. */
export const jobWorkers = async (page: Page) => (await workerRecords(page)).filter((record) => record.kind !== null);

export async function openApp(page: Page, query = '') {
  await page.goto(`/${query}`);
  await expect(page.getByTestId('model-fast')).toBeVisible();
}

export async function cutOut(page: Page, photo: Photo, model: 'fast' | 'best' = 'fast', timeout = JOB_TIMEOUT_MS) {
  await page.getByTestId(`model-${model}`).check();
  await page.getByTestId('file-input').setInputFiles(photo.path);
  await expect(page.getByTestId('progress-panel')).toBeVisible();
  const result = page.getByTestId('result-panel');
  const error = page.getByTestId('error-panel');
  await expect(result.or(error).filter({ visible: true })).toBeVisible({ timeout });
  if (await error.isVisible()) throw new Error(`the job failed: ${await error.innerText()}`);
}

export async function downloadCutout(page: Page): Promise<{ name: string; bytes: Buffer }> {
  const downloading = page.waitForEvent('download');
  await page.getByTestId('download').click();
  const download = await downloading;
  return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
}

// Unzipped by Python's zipfile, independently of the app's own code path: each entry's bytes by name.
export function readZip(path: string): Record<string, Buffer> {
  const folder = mkdtempSync(join(tmpdir(), 'cutout-zip-'));
  execFileSync('python3', ['-m', 'zipfile', '-e', path, folder]);
  return Object.fromEntries(readdirSync(folder).map((name) => [name, readFileSync(join(folder, name))]));
}

// A real cutout of a photo: the input's size, RGBA, a clear background, a solid subject, and soft
// edges (many alpha values strictly between 0 and 255), not a hard binary mask.
export function expectSoftCutout(png: Buffer, photo: Photo) {
  const image = readRgbaPng(png);
  expect({ width: image.width, height: image.height }).toEqual({ width: photo.width, height: photo.height });
  const alpha = alphaHistogram(image);
  const pixels = image.width * image.height;
  const count = (from: number, to: number) => alpha.slice(from, to + 1).reduce((sum, n) => sum + n, 0);
  expect(count(0, 5), 'background pixels (alpha ≤ 5)').toBeGreaterThan(pixels * 0.05);
  expect(count(250, 255), 'subject pixels (alpha ≥ 250)').toBeGreaterThan(pixels * 0.05);
  expect(count(1, 254), 'pixels with soft alpha').toBeGreaterThan(pixels * 0.002);
  expect(alpha.slice(1, 255).filter((n) => n > 0).length, 'distinct soft alpha values').toBeGreaterThan(100);
}
