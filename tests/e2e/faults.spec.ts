import { expect, type Page } from '@playwright/test';
import { cutOut, downloadCutout, expectSoftCutout, openApp, test } from './app';
import { photo } from './photos';

// Injected faults (test-only switches, docs/web-contract.md) end in a clear message, never in a
// broken file, and the app keeps working: the switch is read per job, so taking it off the
// address without a reload shows that the same page cuts out the next file.

async function expectRefusal(page: Page, message: RegExp) {
  const input = photo('astronaut');
  await page.getByTestId('model-fast').check();
  await page.getByTestId('file-input').setInputFiles(input.path);
  await expect(page.getByTestId('error-panel')).toBeVisible({ timeout: 240_000 });
  await expect(page.getByTestId('error-message')).toContainText(message);
  await expect(page.getByTestId('result-panel')).toBeHidden();
}

async function expectNextFileWorks(page: Page) {
  await page.evaluate(() => history.replaceState(null, '', '/'));
  const input = photo('coffee');
  await cutOut(page, input, 'fast');
  expectSoftCutout((await downloadCutout(page)).bytes, input);
}

test('a WASM failure is reported clearly and the next file still works', async ({ page }) => {
  await openApp(page, '?fail=wasm-run');
  await expectRefusal(page, /failed running .*simulated wasm-(mt|st) failure/i);
  await expectNextFileWorks(page);
});

test('an encoder fault aborts the export with a message instead of a broken download', async ({ page }) => {
  await openApp(page, '?fail=encode');
  let downloads = 0;
  page.on('download', () => { downloads += 1; });
  await expectRefusal(page, /the exported PNG failed its check and was not saved/i);
  expect(downloads).toBe(0);
  await expectNextFileWorks(page);
});

test('a failure of the worker that deflates beside the job is reported clearly and the next file still works', async ({ page }) => {
  // One thread (wasm-st) leaves a core free here, so the job's PNG is deflated beside it.
  await openApp(page, '?backend=wasm-st&fail=deflate');
  expect(await page.evaluate(() => navigator.hardwareConcurrency), 'a core for the deflater').toBeGreaterThan(1);
  await expectRefusal(page, /the PNG could not be compressed/i);
  await expectNextFileWorks(page);
});

test('an encoder fault in a WebP export shows why nothing was downloaded, and the next export works', async ({ page }) => {
  const input = photo('coffee');
  await openApp(page);
  await cutOut(page, input, 'fast');
  await page.evaluate(() => history.replaceState(null, '', '/?fail=encode'));
  let downloads = 0;
  page.on('download', () => { downloads += 1; });
  await page.getByTestId('output-format').selectOption('webp');
  await page.getByTestId('download').click();
  await expect(page.getByTestId('export-error'))
    .toContainText(/the export failed, so nothing was downloaded: the encoded WebP/i, { timeout: 120_000 });
  expect(downloads).toBe(0);
  await page.evaluate(() => history.replaceState(null, '', '/'));
  expect((await downloadCutout(page)).name).toBe('coffee.webp');
  await expect(page.getByTestId('export-error')).toBeHidden();
});
