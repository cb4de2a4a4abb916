import { expect } from '@playwright/test';
import { cutOut, downloadCutout, expectSoftCutout, openApp, test } from './app';
import { photo, type PhotoName } from './photos';

const CASES: { model: 'fast' | 'best'; photoName: PhotoName }[] = [
  { model: 'fast', photoName: 'astronaut' },
  { model: 'best', photoName: 'chelsea' },
];

for (const { model, photoName } of CASES) {
  test(`${model} model: a real photo becomes a downloadable soft-edged RGBA PNG`, async ({ page }) => {
    const input = photo(photoName);
    await openApp(page);
    await cutOut(page, input, model);
    await expect(page.getByTestId('result-backend')).toHaveText(/^WASM/);

    const { name, bytes } = await downloadCutout(page);
    expect(name).toBe(`${photoName}.png`);
    expectSoftCutout(bytes, input);
    await expect(page.getByTestId(`model-${model}-status`)).toHaveText(/Downloaded/);
  });
}

test('a file that is not an image gets a specific message, and the next photo still works', async ({ page }) => {
  await openApp(page);
  // Named and typed like a JPEG: the app must look at the bytes, not the name.
  await page.getByTestId('file-input').setInputFiles({ name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('hello, not an image') });
  await expect(page.getByTestId('error-panel')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('error-title')).toContainText('notes.jpg');
  await expect(page.getByTestId('error-message')).toContainText(/not an image/i);

  const input = photo('coffee');
  await cutOut(page, input, 'fast');
  expectSoftCutout((await downloadCutout(page)).bytes, input);
});
