import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { openApp, test } from './app';
import { PHOTO_DIR } from './photos';

// web/worker/graph-helpers.js: a multi-threaded job composes its tiles in one single-threaded helper
// per thread, side by side; where the helpers cannot start, its own runtime composes them. A 3 MP
// photo makes a dozen tiles, so each helper runs several and their results must come back in order.

const WRITE_JPEG = `
import sys
from PIL import Image
from skimage import data
Image.fromarray(data.astronaut()).resize((2000, 1500), Image.Resampling.BICUBIC).save(sys.argv[1], quality=90)
`;

test('compose tiles run in one graph helper per thread, or on the job\'s own runtime where the helpers fail to start, into the same PNG', async ({ page }) => {
  const path = join(PHOTO_DIR, 'astronaut-2000x1500.jpg');
  execFileSync('python3', ['-c', WRITE_JPEG, path]);
  await openApp(page);
  const results = await page.evaluate(async (base64) => {
    const { startJob } = await import('/worker-protocol.js');
    const bytes = () => Uint8Array.from(atob(base64), (letter) => letter.charCodeAt(0)).buffer;
    const digest = async (buffer: ArrayBuffer) =>
      [...new Uint8Array(await crypto.subtle.digest('SHA-256', buffer))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
    const outcomes = [];
    for (const fail of ['', 'graph-helper']) {
      history.replaceState(null, '', fail ? `?fail=${fail}` : location.pathname);
      const result = await startJob({ name: 'astronaut.jpg', bytes: bytes(), model: 'fast', background: [0, 0, 0, 0], backends: ['wasm-mt'] }).done;
      outcomes.push({ fail, threads: result.threads, graphHelpers: result.graphHelpers, png: await digest(result.png), pixels: await digest(result.pixels) });
    }
    history.replaceState(null, '', location.pathname);
    return outcomes;
  }, readFileSync(path).toString('base64'));

  const [helped, alone] = results;
  expect(helped.threads, 'a multi-threaded job (two cores or more)').toBeGreaterThan(1);
  expect(helped.graphHelpers, 'one helper per thread, at most 4').toBe(Math.min(helped.threads, 4));
  expect(alone.graphHelpers, 'with fail=graph-helper the job composes on its own runtime').toBe(0);
  expect(helped.pixels, 'the same cutout either way').toBe(alone.pixels);
  expect(helped.png, 'the same PNG either way').toBe(alone.png);
});
