import { readFileSync } from 'node:fs';
import { expect, type Page, type Worker } from '@playwright/test';
import { cutOut, jobWorkers, openApp, recordWorkers, test, workerRecords } from './app';
import { photo, type PhotoName } from './photos';

// The worker prepared while the app is idle (kind still null, running).
async function preparedWorker(page: Page) {
  return (await workerRecords(page)).find((record) => record.kind === null && record.terminated === null) ?? null;
}

test('three jobs in a row run in three distinct workers, each terminated afterwards; one prepared between jobs takes the next', async ({ page }) => {
  // Seen by the browser itself, independently of what the page reports about its workers.
  const started: Worker[] = [];
  const closed = new Set<Worker>();
  // The graph helpers each job worker starts (worker/graph-helper.js), which go with it.
  const helpers: Worker[] = [];
  const closedHelpers = new Set<Worker>();
  page.on('worker', (worker) => {
    // ONNX Runtime's thread workers are reported too; a job worker runs worker/worker.js.
    const path = new URL(worker.url()).pathname;
    if (path.endsWith('/worker/graph-helper.js')) {
      helpers.push(worker);
      worker.on('close', () => closedHelpers.add(worker));
    }
    if (!path.endsWith('/worker/worker.js')) return;
    started.push(worker);
    worker.on('close', () => closed.add(worker));
  });

  await recordWorkers(page);
  await openApp(page);
  // The model is not stored yet, so nothing is prepared before the first job.
  expect(await workerRecords(page)).toHaveLength(0);
  const photoNames: PhotoName[] = ['astronaut', 'coffee', 'chelsea'];
  for (const [index, name] of photoNames.entries()) {
    if (index > 0) {
      await expect.poll(() => preparedWorker(page), { message: 'a worker is prepared for the next job while the app is idle' }).not.toBeNull();
    }
    const prepared = await preparedWorker(page);
    await cutOut(page, photo(name), 'fast');
    if (prepared) expect((await jobWorkers(page)).at(-1)?.id, `job ${index + 1} ran in the prepared worker`).toBe(prepared.id);
  }

  const jobs = await jobWorkers(page);
  expect(jobs.map((record) => record.kind)).toEqual(['start', 'start', 'start']);
  expect(new Set(jobs.map((record) => record.id)).size).toBe(3);
  for (const record of jobs) {
    expect(record.terminated, `worker ${record.id} was terminated`).toBeGreaterThanOrEqual(record.created);
  }

  // A worker prepared for the fast model is of no use once the Best model (not stored) is chosen.
  await expect.poll(() => preparedWorker(page)).not.toBeNull();
  await page.getByTestId('model-best').check();
  await expect.poll(async () => (await workerRecords(page)).every((record) => record.terminated !== null),
    { message: 'the prepared worker is terminated' }).toBe(true);

  const records = await workerRecords(page);
  expect(started).toHaveLength(records.length);
  await expect.poll(() => closed.size, { message: 'every job worker has closed' }).toBe(records.length);
  // One helper per thread of these wasm-mt jobs (bridge.js: at most 4), started by each job worker as it
  // prepares: by every worker that ran a job, and perhaps by the prepared one terminated unused.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const perWorker = cores > 1 ? Math.min(cores, 4) : 0;
  expect(helpers.length).toBeGreaterThanOrEqual(jobs.length * perWorker);
  expect(helpers.length).toBeLessThanOrEqual(records.length * perWorker);
  await expect.poll(() => closedHelpers.size, { message: 'every graph helper has closed with its job worker' }).toBe(helpers.length);
});

test('a worker prepared ahead grows its ONNX Runtime heap before the job; a worker started with its job does not; both instantiate the page\'s compiled WebAssembly', async ({ page }) => {
  await openApp(page);
  const input = photo('astronaut');
  await cutOut(page, input, 'fast'); // stores the model, which a prepared worker needs
  const timings = await page.evaluate(async (base64) => {
    const { dropPreparedJob, prepareNextJob, startJob } = await import('/worker-protocol.js');
    const { backendsForThisDevice } = await import('/backends.js');
    const backends = await backendsForThisDevice();
    const bytes = () => Uint8Array.from(atob(base64), (letter) => letter.charCodeAt(0)).buffer;
    const run = () => startJob({ name: 'astronaut.jpg', bytes: bytes(), model: 'fast', background: [0, 0, 0, 0], backends }).done;
    if (!(await prepareNextJob({ model: 'fast', backend: backends[0] }))) throw new Error('the prepared worker failed');
    const prepared = await run();
    dropPreparedJob();
    const unprepared = await run();
    return [prepared, unprepared].map(({ preparedAhead, timings, wasmFromPage }) =>
      ({ preparedAhead, reserved: timings['heap reserve'] ?? null, wasmFromPage: [...wasmFromPage].sort() }));
  }, readFileSync(input.path).toString('base64'));
  expect(timings[0].preparedAhead).toBe(true);
  expect(timings[0].reserved, 'seconds the prepared worker spent growing its heap').toBeGreaterThan(0);
  expect(timings[1]).toMatchObject({ preparedAhead: false, reserved: null });
  // Compiled once by the page, so that what V8 optimised in one job's worker stays optimised for the next.
  for (const { wasmFromPage } of timings) expect(wasmFromPage).toEqual(['ort-wasm-simd-threaded.wasm', 'pyodide.asm.wasm']);
});
