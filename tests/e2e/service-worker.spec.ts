import { expect, type Page } from '@playwright/test';
import { cutOut, openApp, test } from './app';
import { COUNTING_HOST_URL, PLAIN_HOST_URL } from './hosts';
import { photo } from './photos';

async function waitForServiceWorkerControl(page: Page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

const controllingVersion = (page: Page) => page.evaluate(
  () => new URL(navigator.serviceWorker.controller!.scriptURL).searchParams.get('v'));

test('on a host that sends no headers, the second load is cross-origin isolated and WASM gets threads', async ({ page }) => {
  await page.goto(PLAIN_HOST_URL);
  expect(await page.evaluate(() => window.crossOriginIsolated), 'the plain host itself must not isolate').toBe(false);
  await waitForServiceWorkerControl(page);

  await page.reload();
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await cutOut(page, photo('astronaut'), 'fast');
  await expect(page.getByTestId('result-backend')).toHaveText(/^WASM × \d+ threads$/);
  await expect(page.getByTestId('backend-warning')).toBeHidden();
});

test('a new version offers "Update available — Reload" and takes over only when asked', async ({ page, context }) => {
  await openApp(page);
  await waitForServiceWorkerControl(page);
  const firstVersion = await controllingVersion(page);

  // A deploy with a new version: same files, a different version in build.json.
  await context.route('**/build.json', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, json: { ...(await response.json()), version: `${firstVersion}-next` } });
  });
  await page.reload();
  await expect(page.getByTestId('update-toast')).toBeVisible();
  expect(await controllingVersion(page), 'the waiting version must not take over by itself').toBe(firstVersion);

  // The new worker takes over and the page reloads itself under it.
  await Promise.all([page.waitForEvent('load'), page.getByTestId('update-reload').click()]);
  expect(await controllingVersion(page)).toBe(`${firstVersion}-next`);
  await expect(page.getByTestId('update-toast')).toBeHidden();
  await expect(page.getByTestId('model-fast')).toBeVisible();
});

// The counting host remembers downloads and replaced files: each test starts it afresh.
const countingHost = (path: string, init?: RequestInit) => fetch(new URL(`__test/${path}`, COUNTING_HOST_URL), init);
const downloads = async (): Promise<Record<string, number>> => (await countingHost('downloads')).json();
// The paths this version's service worker has stored (its static cache).
const storedPaths = (page: Page) => page.evaluate(async () => {
  const name = (await caches.keys()).find((key) => key.startsWith('cutout-static-'))!;
  return (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname.slice(1));
});
test.beforeEach(() => countingHost('reset', { method: 'POST' }));

test('a first visit downloads each file once: the cutout\'s files as they pass, the rest once the app is idle', async ({ page }) => {
  await page.goto(COUNTING_HOST_URL);
  await waitForServiceWorkerControl(page);
  await expect(page.getByTestId('offline-status')).toBeHidden();

  await cutOut(page, photo('astronaut'), 'fast');
  const cutoutFiles = ['vendor/ort/ort-wasm-simd-threaded.wasm', 'vendor/pyodide/pyodide.asm.wasm', 'py/python-snapshot.gzip'];
  let counted = await downloads();
  for (const file of cutoutFiles) expect(counted[file], file).toBe(1);
  // The WebGPU runtime is not needed on this WASM-only browser: stored later, not before the cutout.
  expect(counted['vendor/ort/ort-wasm-simd-threaded.asyncify.wasm']).toBeUndefined();

  await expect(page.getByTestId('offline-status')).toHaveText('Works offline', { timeout: 60_000 });
  const precache = await page.evaluate(async () => Object.keys((await (await fetch('build.json')).json()).precache));
  expect(await storedPaths(page)).toEqual(expect.arrayContaining(precache));
  counted = await downloads();
  for (const file of [...cutoutFiles, 'vendor/ort/ort-wasm-simd-threaded.asyncify.wasm', 'models/u2netp.onnx']) {
    expect(counted[file], file).toBe(1);
  }
});

test('a file that is not this version\'s is never stored: the page says why offline use is unavailable and keeps working', async ({ page }) => {
  // A deploy during the visit: the server's encoder script is not the one this version's build.json lists.
  const replaced = 'vendor/jsquash/webp/meta.js';
  await countingHost(`replace?path=${replaced}`, { method: 'POST', body: '// a newer version\n' });
  await page.goto(COUNTING_HOST_URL);
  await expect(page.getByTestId('offline-status'))
    .toHaveText(`Offline use unavailable: ${replaced} on the server is not this version’s (a newer version is out: reload)`, { timeout: 60_000 });
  expect(await storedPaths(page)).not.toContain(replaced);
  await cutOut(page, photo('astronaut'), 'fast');
});
