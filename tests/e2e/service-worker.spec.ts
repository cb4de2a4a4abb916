import { expect, type Page } from '@playwright/test';
import { cutOut, openApp, test } from './app';
import { PLAIN_HOST_URL } from './hosts';
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
