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
