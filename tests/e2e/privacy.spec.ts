import { expect, type Request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cutOut, downloadCutout, openApp, test } from './app';
import { photo } from './photos';

function isOnDevice(url: string, origin: string): boolean {
  if (url.startsWith('data:')) return true;
  const address = url.startsWith('blob:') ? url.slice('blob:'.length) : url;
  return new URL(address).origin === origin;
}

test('no image byte leaves the device: every request stays on the origin, is a GET without a body, and carries nothing of the image', async ({ page, context, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const requests = new Set<Request>();
  const sockets: string[] = [];
  // The context sees the service worker's requests too; the page sees its own and its workers'.
  context.on('request', (request) => requests.add(request));
  page.on('request', (request) => requests.add(request));
  page.on('websocket', (socket) => sockets.push(socket.url()));

  const input = photo('astronaut');
  await openApp(page);
  await cutOut(page, input, 'fast');
  await downloadCutout(page);

  const fileName = basename(input.path);
  const slice = readFileSync(input.path).subarray(2000, 2048);
  const fingerprints = [fileName, encodeURIComponent(fileName), slice.toString('hex'), slice.toString('base64'), slice.toString('base64url')];
  const urls = [...requests].map((request) => request.url());
  // The recorder must have seen the job worker's traffic, or this test proves nothing.
  expect(urls.some((url) => url.endsWith('.onnx'))).toBe(true);
  expect(sockets).toEqual([]);
  for (const request of requests) {
    const url = request.url();
    expect(isOnDevice(url, origin), `${url} leaves ${origin}`).toBe(true);
    expect(request.method(), url).toBe('GET');
    expect(request.postDataBuffer(), `${url} has a body`).toBeNull();
    const headers = JSON.stringify(await request.allHeaders());
    for (const fingerprint of fingerprints) {
      expect(url.includes(fingerprint) || headers.includes(fingerprint), `${url} carries ${fingerprint}`).toBe(false);
    }
  }
});
