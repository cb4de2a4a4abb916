import { readFileSync } from 'node:fs';
import { expect } from '@playwright/test';
import { openApp, test } from './app';
import { readRgbaPng } from './png';
import { photo } from './photos';

// web/worker/deflate.js: where ONNX Runtime leaves a core free (one thread here, on two cores), the
// PNG is deflated in a worker beside the job, by the browser's CompressionStream; where it takes
// every core, by Python's zlib in the job worker. Either way the file holds exactly the cutout.

// FLEVEL, the top two bits of a zlib stream's second byte: 0 for zlib levels 0–1 (Python's level 1),
// 2 for the default level 6 (CompressionStream's).
const zlibLevelOf = (png: Buffer) => png[png.indexOf('IDAT', 8, 'latin1') + 5] >> 6;

test('the PNG is deflated beside the job where a core is free, in the job worker where none is, and holds the cutout either way', async ({ page }) => {
  await openApp(page);
  const input = photo('astronaut');
  const results = await page.evaluate(async (base64) => {
    const { startJob } = await import('/worker-protocol.js');
    const bytes = () => Uint8Array.from(atob(base64), (letter) => letter.charCodeAt(0)).buffer;
    const asText = (buffer: ArrayBuffer) => {
      let text = '';
      const view = new Uint8Array(buffer);
      for (let start = 0; start < view.length; start += 0x8000) text += String.fromCharCode(...view.subarray(start, start + 0x8000));
      return btoa(text);
    };
    const outcomes = [];
    for (const backend of ['wasm-st', 'wasm-mt']) {
      const result = await startJob({ name: 'astronaut.jpg', bytes: bytes(), model: 'fast', background: [0, 0, 0, 0], backends: [backend] }).done;
      outcomes.push({ backend, threads: result.threads, deflatedBeside: result.deflatedBeside, cores: navigator.hardwareConcurrency,
        png: asText(result.png), pixels: asText(result.pixels) });
    }
    return outcomes;
  }, readFileSync(input.path).toString('base64'));

  for (const { backend, threads, deflatedBeside, cores, png, pixels } of results) {
    expect(deflatedBeside, `${backend}: ${threads} thread(s) on ${cores} cores`).toBe(cores > threads);
    const file = Buffer.from(png, 'base64');
    expect(zlibLevelOf(file), `${backend}: the deflater that wrote the PNG`).toBe(deflatedBeside ? 2 : 0);
    expect(Buffer.from(readRgbaPng(file).pixels).equals(Buffer.from(pixels, 'base64')), `${backend}: the PNG holds the cutout`).toBe(true);
  }
  expect(results.map(({ deflatedBeside }) => deflatedBeside)).toContain(true);
});
