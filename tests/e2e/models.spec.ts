import { expect, type Page } from '@playwright/test';
import { cutOut, openApp, test } from './app';
import { photo } from './photos';

// The model panel against what Cache Storage really holds.

const MODEL_CACHE = 'cutout-models-v1';

// The fast model's entry in Cache Storage: its byte count, or null when it is not stored.
async function storedFastModelBytes(page: Page): Promise<number | null> {
  return page.evaluate(async (cacheName) => {
    const { models } = await (await fetch('build.json')).json();
    const response = await (await caches.open(cacheName)).match(new URL(models.fast.url, location.href).href);
    return response ? (await response.arrayBuffer()).byteLength : null;
  }, MODEL_CACHE);
}

test('a used model shows as stored with its size and licence; delete removes it, re-download restores it', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('storage-estimate')).toHaveText(/^This site uses .+ of about .+ available\.$/);
  const fast = page.getByTestId('stored-model-fast');
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Not downloaded');
  await expect(page.getByTestId('delete-model-fast')).toBeDisabled();

  await cutOut(page, photo('coffee'), 'fast');
  const { size, licence, url } = await page.evaluate(async () => (await (await fetch('build.json')).json()).models.fast);
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Stored');
  await expect(fast.getByTestId('stored-model-fast-facts')).toHaveText(`${(size / 1e6).toFixed(1)} MB · ${licence}`);
  expect(await storedFastModelBytes(page)).toBe(size);

  await page.getByTestId('delete-model-fast').click();
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Not downloaded');
  await expect(page.getByTestId('model-fast-status')).toHaveText(/downloads on first use/);
  expect(await storedFastModelBytes(page)).toBeNull();

  await page.getByTestId('download-model-fast').click();
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Stored', { timeout: 60_000 });
  await expect(page.getByTestId('download-model-fast')).toHaveText('Re-download');
  expect(await storedFastModelBytes(page)).toBe(size);

  // Re-downloading a stored model fetches it again and replaces it with a verified copy. The row
  // said "Stored" before the click too, so wait for the model request before checking the state.
  const modelRequest = page.waitForResponse((response) => response.url().endsWith(url));
  await page.getByTestId('download-model-fast').click();
  await modelRequest;
  await expect(page.getByTestId('download-model-fast')).toBeEnabled({ timeout: 60_000 });
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Stored');
  expect(await storedFastModelBytes(page)).toBe(size);
  await expect(page.getByTestId('storage-estimate')).toHaveText(/^This site uses .+ of about .+ available\.$/);
});

test('a re-download that fails keeps the stored copy and says why', async ({ page, context }) => {
  await openApp(page);
  await page.getByTestId('download-model-fast').click();
  const fast = page.getByTestId('stored-model-fast');
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Stored', { timeout: 60_000 });
  const { size } = await page.evaluate(async () => (await (await fetch('build.json')).json()).models.fast);

  await context.setOffline(true);
  await page.getByTestId('download-model-fast').click();
  await expect(page.getByTestId('error-message')).toHaveText(/could not be downloaded/, { timeout: 60_000 });
  await context.setOffline(false);
  await expect(fast.getByTestId('stored-model-fast-state')).toHaveText('Stored');
  expect(await storedFastModelBytes(page)).toBe(size);
});

test('asking for persistent storage shows the browser’s answer', async ({ page }) => {
  await openApp(page);
  const outcome = page.getByTestId('persist-outcome');
  await expect(outcome).toHaveText(/^Storage is (persistent|best-effort)/);
  const button = page.getByTestId('persist-storage');
  if (await button.isVisible()) {
    await button.click();
    await expect(outcome).toHaveText(/^(Storage is persistent|The browser declined)/);
  }
});

test('a model file an earlier version stored, and no model of this one, is removed when the app starts', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('download-model-fast').click();
  await expect(page.getByTestId('stored-model-fast').getByTestId('stored-model-fast-state')).toHaveText('Stored', { timeout: 60_000 });
  // Best's browser file had another name before it became the Winograd copy.
  const earlierUrl = await page.evaluate(async (cacheName) => {
    const url = new URL('models/isnet-fp16-pruned.onnx', location.href).href;
    await (await caches.open(cacheName)).put(url, new Response(new Uint8Array(1000)));
    return url;
  }, MODEL_CACHE);

  await page.reload();
  await expect(page.getByTestId('stored-model-fast').getByTestId('stored-model-fast-state')).toHaveText('Stored');
  const stored = await page.evaluate(async (cacheName) => (await (await caches.open(cacheName)).keys()).map((request) => request.url), MODEL_CACHE);
  expect(stored).not.toContain(earlierUrl);
  expect(await storedFastModelBytes(page)).not.toBeNull();
});
