import { expect, type Request } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cutOut, downloadCutout, openApp, test } from './app';
import { photo, type Photo } from './photos';

function isOnDevice(url: string, origin: string): boolean {
  if (url.startsWith('data:')) return true;
  const address = url.startsWith('blob:') ? url.slice('blob:'.length) : url;
  return new URL(address).origin === origin;
}

// What would betray a file if it appeared in a request: its name and a slice of its bytes.
function fingerprintsOf(input: Photo): string[] {
  const fileName = basename(input.path);
  const slice = readFileSync(input.path).subarray(2000, 2048);
  return [fileName, encodeURIComponent(fileName), slice.toString('hex'), slice.toString('base64'), slice.toString('base64url')];
}

// A batch of several files, one after another on one page (through the file input: once the batch
// queue lands, dropping them all at once would be the closer copy of real use).
test('no image byte leaves the device: over a batch, every request stays on the origin, is a GET without a body, and carries nothing of any image', async ({ page, context, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const requests = new Set<Request>();
  const sockets: string[] = [];
  // The context sees the service worker's requests too; the page sees its own and its workers'.
  context.on('request', (request) => requests.add(request));
  page.on('request', (request) => requests.add(request));
  page.on('websocket', (socket) => sockets.push(socket.url()));

  const batch = [photo('astronaut'), photo('coffee'), photo('chelsea')];
  await openApp(page);
  for (const input of batch) {
    await cutOut(page, input, 'fast');
    await downloadCutout(page);
  }

  const fingerprints = batch.flatMap(fingerprintsOf);
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

test('the page and its workers get a Content-Security-Policy that keeps every connection on the origin', async ({ request }) => {
  for (const path of ['/', '/worker/worker.js', '/vendor/libheif/libheif-bundle.mjs', '/service-worker.js']) {
    const policy = (await request.get(path)).headers()['content-security-policy'] ?? '';
    expect(policy, path).toContain("connect-src 'self'");
    expect(policy, path).toContain("default-src 'self'");
    expect(policy, path).not.toMatch(/https?:|\*/);
  }
});

