import { expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cutOut, expectSoftCutout, openApp, test } from './app';
import { photo } from './photos';

// The batch queue: many files, one worker each, failures listed, and one ZIP made by Python.

const BATCH_TIMEOUT_MS = 900_000;
const BROKEN = { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('these bytes are not a picture at all') };

interface WorkerRecord { id: string; kind: string; created: number; terminated: number | null }

// Unzipped by Python's zipfile, independently of the app's own code path: entry names, each
// entry's bytes (base64) and FAILED.txt's text.
function readZip(path: string): { names: string[]; entries: Record<string, Buffer> } {
  const script = 'import base64, json, sys, zipfile\n'
    + 'with zipfile.ZipFile(sys.argv[1]) as archive:\n'
    + '    print(json.dumps({info.filename: base64.b64encode(archive.read(info)).decode() for info in archive.infolist()}))';
  const listing: Record<string, string> = JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' }));
  const entries = Object.fromEntries(Object.entries(listing).map(([name, data]) => [name, Buffer.from(data, 'base64')]));
  return { names: Object.keys(listing), entries };
}

const statuses = (page: Page) => page.getByTestId('queue-item-status').allInnerTexts();
const workerRecords = (page: Page): Promise<WorkerRecord[]> => page.evaluate(() => (window as any).__cutoutWorkers);

test('a batch of five files with one corrupt gives a ZIP of four PNGs under their names, and the failure with its reason', async ({ page }) => {
  test.setTimeout(BATCH_TIMEOUT_MS);
  const astronaut = photo('astronaut');
  const coffee = photo('coffee');
  const chelsea = photo('chelsea');
  await openApp(page);
  await page.getByTestId('model-fast').check();
  await page.getByTestId('file-input').setInputFiles([
    astronaut.path,
    BROKEN,
    coffee.path,
    chelsea.path,
    // Same bytes under another name: the ZIP must use each file's own name.
    { name: 'mug.png', mimeType: 'image/png', buffer: readFileSync(coffee.path) },
  ]);
  await expect(page.getByTestId('queue-item')).toHaveCount(5);
  // Placeholders only where the browser cannot show the file.
  await expect(page.getByTestId('queue-item').filter({ hasText: 'broken.png' })).not.toHaveClass(/has-thumb/);
  await expect(page.getByTestId('queue-item').filter({ hasText: 'astronaut.jpg' })).toHaveClass(/has-thumb/);

  const downloadAll = page.getByTestId('download-all');
  await expect(downloadAll).toBeEnabled({ timeout: BATCH_TIMEOUT_MS });
  expect(await statuses(page)).toEqual(['Done', expect.stringMatching(/^Failed: .*not a recognised image/i), 'Done', 'Done', 'Done']);
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
  const { names, entries } = readZip(await download.path());
  expect(names.sort()).toEqual(['FAILED.txt', 'astronaut.png', 'chelsea.png', 'coffee.png', 'mug.png']);
  expectSoftCutout(entries['astronaut.png'], astronaut);
  expectSoftCutout(entries['chelsea.png'], chelsea);
  expectSoftCutout(entries['coffee.png'], coffee);
  expect(entries['mug.png'].equals(entries['coffee.png'])).toBe(true);
  const failures = entries['FAILED.txt'].toString('utf8').trim().split('\n');
  expect(failures).toHaveLength(1);
  expect(failures[0]).toMatch(/^broken\.png: This is not a recognised image/);
});

test('cancel stops the running worker at once, the rest can be cancelled, and the app stays usable', async ({ page }) => {
  test.setTimeout(BATCH_TIMEOUT_MS);
  await page.addInitScript(() => { (window as any).__cutoutWorkers = []; });
  await openApp(page);
  await page.getByTestId('model-fast').check();
  await page.getByTestId('file-input').setInputFiles([photo('astronaut').path, photo('chelsea').path, photo('coffee').path]);

  const isRunning = async (count: number) => {
    const records = await workerRecords(page);
    return records.length === count && records[count - 1].terminated === null;
  };
  await expect.poll(() => isRunning(1), { message: 'the first job worker runs' }).toBe(true);
  await page.getByTestId('cancel').click();
  // Terminated by the click itself, not when the job would have ended.
  expect((await workerRecords(page))[0].terminated).not.toBeNull();
  await expect(page.getByTestId('queue-item-status').first()).toHaveText('Cancelled');

  // The queue goes on with the next file; "Cancel the rest" stops it and drops the third.
  await expect.poll(() => isRunning(2), { message: 'the second job worker runs' }).toBe(true);
  await page.getByTestId('cancel-rest').click();
  expect((await workerRecords(page))[1].terminated).not.toBeNull();
  expect(await statuses(page)).toEqual(['Cancelled', 'Cancelled', 'Cancelled']);
  expect(await workerRecords(page)).toHaveLength(2);
  await expect(page.getByTestId('download-all')).toBeDisabled();

  const input = photo('coffee');
  await cutOut(page, input, 'fast');
  await expect(page.getByTestId('result-file')).toHaveText('coffee.png');
  const records = await workerRecords(page);
  expect(records).toHaveLength(3);
  await expect.poll(async () => (await workerRecords(page)).every((record) => record.terminated !== null)).toBe(true);

  await page.getByTestId('clear-queue').click();
  await expect(page.getByTestId('queue-item')).toHaveCount(0);
  await expect(page.getByTestId('empty-state')).toBeVisible();
});
