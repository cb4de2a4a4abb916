import { expect } from '@playwright/test';
import { cutOut, downloadCutout, expectSoftCutout, openApp, test } from './app';
import { photo } from './photos';

test('after one visit the app works offline: reload and cut out another photo', async ({ page, context }) => {
  await openApp(page);
  await cutOut(page, photo('astronaut'), 'fast');
  // The service worker has precached everything (it is active) and serves this page.
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('model-fast-status')).toHaveText(/Downloaded/);
  // Served by the service worker alone, the page is still cross-origin isolated.
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);

  const input = photo('coffee');
  await cutOut(page, input, 'fast');
  const { bytes } = await downloadCutout(page);
  expectSoftCutout(bytes, input);
});
