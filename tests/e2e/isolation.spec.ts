import { expect, type Worker } from '@playwright/test';
import { cutOut, openApp, test } from './app';
import { photo, type PhotoName } from './photos';

interface WorkerRecord { id: unknown; created: number; terminated: number | null }

test('three jobs in a row run in three distinct workers, each terminated afterwards', async ({ page }) => {
  // Seen by the browser itself, independently of what the page reports about its workers.
  const started: Worker[] = [];
  const closed = new Set<Worker>();
  page.on('worker', (worker) => {
    // ONNX Runtime's thread workers are reported too; a job worker runs worker/worker.js.
    if (!new URL(worker.url()).pathname.endsWith('/worker/worker.js')) return;
    started.push(worker);
    worker.on('close', () => closed.add(worker));
  });

  // The job runner appends a record per worker when the page opts in (docs/web-contract.md).
  await page.addInitScript(() => { (window as any).__cutoutWorkers = []; });
  await openApp(page);
  const photoNames: PhotoName[] = ['astronaut', 'coffee', 'chelsea'];
  for (const name of photoNames) await cutOut(page, photo(name), 'fast');

  const records: WorkerRecord[] = await page.evaluate(() => (window as any).__cutoutWorkers);
  expect(records).toHaveLength(3);
  expect(new Set(records.map((record) => record.id)).size).toBe(3);
  for (const record of records) {
    expect(record.terminated, `worker ${record.id} was terminated`).toBeGreaterThanOrEqual(record.created);
  }

  expect(started).toHaveLength(3);
  await expect.poll(() => closed.size, { message: 'every job worker has closed' }).toBe(3);
});
