import { expect } from '@playwright/test';
import { basename } from 'node:path';
import { cutOut, downloadCutout, expectSoftCutout, jobWorkers, openApp, recordWorkers, test } from './app';
import { photo } from './photos';

// Runs in the 'webgpu' project only: Chromium started with --enable-unsafe-webgpu offers its
// SwiftShader adapter. No adapter is a failure here, never a skip. The app does not pick a
// software adapter by itself (slower than WASM), so the test switch ?backend=webgpu asks for it.

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  const adapter = await page.evaluate(async () => {
    const found = await (navigator as any).gpu?.requestAdapter();
    return found ? `${found.info?.vendor} ${found.info?.architecture}` : null;
  });
  expect(adapter, 'Chromium must offer a WebGPU adapter (SwiftShader) with --enable-unsafe-webgpu').not.toBeNull();
});

// SwiftShader runs U²-Net-p in 140–270 s on two busy cores: a functional check, never a timing.
const SWIFTSHADER_JOB_MS = 540_000;

test('the Fast model runs on WebGPU', async ({ page }) => {
  test.setTimeout(SWIFTSHADER_JOB_MS + 60_000);
  await openApp(page, '?backend=webgpu');
  const input = photo('astronaut');
  await cutOut(page, input, 'fast', SWIFTSHADER_JOB_MS);
  await expect(page.getByTestId('result-backend')).toHaveText('WebGPU');
  await expect(page.getByTestId('backend-warning')).toBeHidden();
  expectSoftCutout((await downloadCutout(page)).bytes, input);
});

// Neither fault case runs a network on SwiftShader: the switch throws before WebGPU would.
for (const [step, when] of [['session', 'creating its session'], ['run', 'during the run']]) {
  test(`when WebGPU fails ${when}, the job completes on WASM once, says so, and later jobs skip WebGPU`, async ({ page }) => {
    await recordWorkers(page);
    await openApp(page, `?backend=webgpu&fail=webgpu-${step}`);
    const input = photo('astronaut');
    await cutOut(page, input, 'fast');
    await expect(page.getByTestId('result-backend')).toHaveText(/^WASM/);
    await expect(page.getByTestId('backend-warning')).toContainText('WebGPU failed');
    await expect(page.getByTestId('backend-warning')).toContainText(`at ${step}`);
    expect((await jobWorkers(page)).length, 'one WebGPU attempt, then one WASM job').toBe(2);
    expectSoftCutout((await downloadCutout(page)).bytes, input);

    // The page remembers: the next job goes straight to WASM and says why.
    const next = photo('coffee');
    await cutOut(page, next, 'fast');
    await expect(page.getByTestId('result-file')).toHaveText(basename(next.path));
    await expect(page.getByTestId('result-backend')).toHaveText(/^WASM/);
    await expect(page.getByTestId('backend-warning')).toContainText('WebGPU failed on this device in an earlier job');
    expect((await jobWorkers(page)).length, 'no second WebGPU attempt').toBe(3);
    expectSoftCutout((await downloadCutout(page)).bytes, next);
  });
}
