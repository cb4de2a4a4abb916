import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cutOut, expectSoftCutout, jobWorkers, openApp, readZip, recordWorkers, test } from './app';
import { photo, type Photo } from './photos';

// The batch queue: many files, one worker each, failures listed, and one ZIP made by Python.

const BATCH_TIMEOUT_MS = 900_000;

// Playwright takes paths or buffers in one call, never both.
const asUpload = ({ path }: Photo, name = basename(path)) => ({ name, mimeType: 'application/octet-stream', buffer: readFileSync(path) });

const statuses = (page: Page) => page.getByTestId('queue-item-status').allInnerTexts();

test('a batch of five files with one corrupt gives a ZIP of four PNGs under their names, and the failure with its reason', async ({ page }) => {
  test.setTimeout(BATCH_TIMEOUT_MS);
  const astronaut = photo('astronaut');
  const coffee = photo('coffee');
  const chelsea = photo('chelsea');
  // Named and typed like a PNG, but no picture: the job reads the bytes and says why it refuses.
  const broken = { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37) % 256)) };
  await openApp(page);
  await page.getByTestId('model-fast').check();
  await page.getByTestId('file-input').setInputFiles([
    asUpload(astronaut),
    broken,
    asUpload(coffee),
    asUpload(chelsea),
    // Same bytes under another name: the ZIP must use each file's own name.
    asUpload(coffee, 'mug.png'),
  ]);
  await expect(page.getByTestId('queue-item')).toHaveCount(5);
  // Placeholders only where the browser cannot show the file.
  await expect(page.getByTestId('queue-item').filter({ hasText: 'broken.png' })).not.toHaveClass(/has-thumb/);
  await expect(page.getByTestId('queue-item').filter({ hasText: 'astronaut.jpg' })).toHaveClass(/has-thumb/);

  const downloadAll = page.getByTestId('download-all');
  await expect(downloadAll).toBeEnabled({ timeout: BATCH_TIMEOUT_MS });
  const [first, brokenStatus, ...rest] = await statuses(page);
  expect([first, ...rest]).toEqual(['Done', 'Done', 'Done', 'Done']);
  expect(brokenStatus).toMatch(/^Failed: \S/);
  const reason = brokenStatus.replace(/^Failed: /, '');
  await expect(page.getByTestId('queue-item').filter({ hasText: 'mug.png' })).toHaveClass(/has-thumb/);

  // A finished item goes on screen when picked.
  await page.getByTestId('queue-item').filter({ hasText: 'chelsea.jpg' }).getByRole('button').click();
  await expect(page.getByTestId('result-file')).toHaveText('chelsea.jpg');
  await page.getByTestId('queue-item').filter({ hasText: 'broken.png' }).getByRole('button').click();
  await expect(page.getByTestId('error-title')).toContainText('broken.png');

  const downloading = page.waitForEvent('download');
  await downloadAll.click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('cutouts.zip');
  const entries = readZip(await download.path());
  expect(Object.keys(entries).sort()).toEqual(['FAILED.txt', 'astronaut.png', 'chelsea.png', 'coffee.png', 'mug.png']);
  expectSoftCutout(entries['astronaut.png'], astronaut);
  expectSoftCutout(entries['chelsea.png'], chelsea);
  expectSoftCutout(entries['coffee.png'], coffee);
  expect(entries['mug.png'].equals(entries['coffee.png'])).toBe(true);
  const failures = entries['FAILED.txt'].toString('utf8').trim().split('\n');
  expect(failures).toHaveLength(1);
  expect(failures[0]).toBe(`broken.png: ${reason}`);
});

test('cancel stops the running worker at once, the rest can be cancelled, and the app stays usable', async ({ page }) => {
  test.setTimeout(BATCH_TIMEOUT_MS);
  await recordWorkers(page);
  await openApp(page);
  await page.getByTestId('model-fast').check();
  await page.getByTestId('file-input').setInputFiles([photo('astronaut').path, photo('chelsea').path, photo('coffee').path]);

  const isRunning = async (count: number) => {
    const jobs = await jobWorkers(page);
    return jobs.length === count && jobs[count - 1].terminated === null;
  };
  await expect.poll(() => isRunning(1), { message: 'the first job worker runs' }).toBe(true);
  await page.getByTestId('cancel').click();
  // Terminated by the click itself, not when the job would have ended.
  expect((await jobWorkers(page))[0].terminated).not.toBeNull();
  await expect(page.getByTestId('queue-item-status').first()).toHaveText('Cancelled');

  // The queue goes on with the next file; "Cancel the rest" stops it and drops the third.
  await expect.poll(() => isRunning(2), { message: 'the second job worker runs' }).toBe(true);
  await page.getByTestId('cancel-rest').click();
  expect((await jobWorkers(page))[1].terminated).not.toBeNull();
  expect(await statuses(page)).toEqual(['Cancelled', 'Cancelled', 'Cancelled']);
  expect(await jobWorkers(page)).toHaveLength(2);
  await expect(page.getByTestId('download-all')).toBeDisabled();

  const input = photo('coffee');
  await cutOut(page, input, 'fast');
  await expect(page.getByTestId('result-file')).toHaveText('coffee.png');
  const jobs = await jobWorkers(page);
  expect(jobs).toHaveLength(3);
  await expect.poll(async () => (await jobWorkers(page)).every((record) => record.terminated !== null)).toBe(true);

  await page.getByTestId('clear-queue').click();
  await expect(page.getByTestId('queue-item')).toHaveCount(0);
  await expect(page.getByTestId('empty-state')).toBeVisible();
});
