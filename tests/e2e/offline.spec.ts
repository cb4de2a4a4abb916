import { expect } from '@playwright/test';
import { cutOut, downloadCutout, expectSoftCutout, openApp, test } from './app';
import { photo } from './photos';

test('after one visit the app works offline: reload and cut out another photo', async ({ page, context }) => {
  await openApp(page);
  await cutOut(page, photo('astronaut'), 'fast');
  // Once the app is idle the service worker stores the rest of the app, and the page says so.
  await expect(page.getByTestId('offline-status')).toHaveText('Works offline', { timeout: 60_000 });

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
