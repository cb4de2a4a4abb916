// The browser half of `make bench`: scripts/bench.py starts the servers, then runs
//   node scripts/bench/lib/browser.mjs '<task as JSON>'
// and reads the one JSON object printed on the last stdout line. Tasks: speed, webgpu, memory,
// series, firstload (see each function). Images are served by bench.py under /__bench/ on both
// origins, and fetched before any clock starts.

import { browserMemory, launch, openPage, sampleMemory } from './chromium.mjs';

const JOB_TIMEOUT_MS = 600_000;

// In the app's page: one cutout job the way web/app/main.js starts it (a fresh worker per job),
// timed from the job's start to its result. Pixel buffers stay in the page. `prepared`: the job
// takes a worker prepared ahead and ready, as the app has one after idling between drops;
// otherwise any prepared worker is dropped first, so the job starts its worker from nothing.
async function cutoutJob({ image, model, backend, prepared }) {
  const { dropPreparedJob, prepareNextJob, startJob } = await import('/worker-protocol.js');
  const { backendsForThisDevice } = await import('/backends.js');
  const bytes = await (await fetch(image)).arrayBuffer();
  const backends = await backendsForThisDevice(`?backend=${backend}`);
  if (prepared) {
    if (!(await prepareNextJob({ model, backend: backends[0] }))) throw new Error('the prepared worker failed');
  } else {
    dropPreparedJob();
  }
  const started = performance.now();
  const result = await startJob({ name: image.split('/').pop(), bytes, model, background: [0, 0, 0, 0], backends }).done;
  return {
    seconds: (performance.now() - started) / 1000,
    timings: result.timings,
    backend: result.backend,
    threads: result.threads,
    deflatedBeside: result.deflatedBeside,
    graphHelpers: result.graphHelpers,
    preparedAhead: result.preparedAhead,
    width: result.width,
    height: result.height,
    pngBytes: result.png.byteLength,
    crossOriginIsolated: globalThis.crossOriginIsolated,
  };
}

// In the imgly harness page (window.imglyJob, see bench.py's IMGLY_PAGE).
function imglyJob(image) {
  return globalThis.imglyJob(image);
}

function withTimeout(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${JOB_TIMEOUT_MS / 1000} s`)), JOB_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runJob(page, variant, image, { prepared = false } = {}) {
  const what = `${variant.name} on ${image}`;
  try {
    const job = variant.app === 'imgly'
      ? page.evaluate(imglyJob, image)
      : page.evaluate(cutoutJob, { image, model: variant.model, backend: variant.backend, prepared });
    return await withTimeout(job, what);
  } catch (error) {
    const console = page.consoleLines.slice(-15).join('\n');
    throw new Error(`${what} failed: ${error.message}\n${console}`);
  }
}

function urlFor(variant, task) {
  return variant.app === 'imgly' ? `${task.imglyUrl}?threads=${task.threads}` : task.appUrl;
}

/**
 * Cold and warm time of each variant on each image, runs alternating between the variants.
 * Cold: a new page whose first job starts workers and loads the model from the browser's caches
 * (a warm-up page filled them); warm: the same page's second job, Cutout's in the worker the app
 * prepared meanwhile (imgly keeps its session).
 */
async function speed(task) {
  const browser = await launch();
  const context = await browser.newContext();
  const results = [];
  try {
    for (const variant of task.variants) {
      const page = await openPage(context, urlFor(variant, task));
      await runJob(page, variant, task.images[0].url);
      await page.close();
    }
    for (const image of task.images) {
      for (let run = 1; run <= task.runs; run += 1) {
        for (const variant of task.variants) {
          const page = await openPage(context, urlFor(variant, task));
          const cold = await runJob(page, variant, image.url);
          const warm = await runJob(page, variant, image.url, { prepared: true });
          await page.close();
          results.push({ image: image.name, run, variant: variant.name, cold, warm });
          process.stderr.write(`speed ${image.name} run ${run} ${variant.name}: cold ${cold.seconds.toFixed(2)} s, warm ${warm.seconds.toFixed(2)} s\n`);
        }
      }
    }
  } finally {
    await browser.close();
  }
  return { results };
}

// A fresh browser (fresh profile) with one page of the app; `work(page, variant)` runs the
// task's jobs there (model and backend from the task).
async function onAppPage(task, work, launchOptions = {}) {
  const browser = await launch(launchOptions);
  try {
    const page = await openPage(await browser.newContext(), task.appUrl);
    const variant = { name: `cutout ${task.backend} ${task.model}`, model: task.model, backend: task.backend };
    return await work(page, variant);
  } finally {
    await browser.close();
  }
}

/** One job on SwiftShader's WebGPU: does it run, on which backend, how long. */
function webgpu(task) {
  return onAppPage(task, async (page, variant) => {
    const adapter = await page.evaluate(async () => {
      const found = await navigator.gpu?.requestAdapter();
      return found ? { vendor: found.info?.vendor, architecture: found.info?.architecture } : null;
    });
    return { adapter, image: task.image.name, ...(await runJob(page, variant, task.image.url)) };
  }, { webgpu: true });
}

const SETTLE_MS = 1000;

// Memory once the job's terminated worker has had a moment to give its memory back.
async function settledMemory() {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return browserMemory();
}

/** Peak memory of all Chromium processes during one job per image (model already cached). */
function memory(task) {
  return onAppPage(task, async (page, variant) => {
    await runJob(page, variant, task.warmupImage.url);
    await settledMemory();
    const results = [];
    for (const image of task.images) {
      const sampled = await sampleMemory(() => runJob(page, variant, image.url));
      results.push({ image: image.name, seconds: sampled.value.seconds, before: sampled.before, peak: sampled.peak, settled: await settledMemory() });
      process.stderr.write(`memory ${image.name}: peak ${(sampled.peak / 2 ** 20).toFixed(0)} MiB\n`);
    }
    return { model: task.model, backend: task.backend, results };
  });
}

/** `count` jobs in a row on one page, each in its own worker: memory after each, and its peak. */
function series(task) {
  return onAppPage(task, async (page, variant) => {
    const jobs = [];
    for (let index = 1; index <= task.count; index += 1) {
      const sampled = await sampleMemory(() => runJob(page, variant, task.image.url));
      jobs.push({ job: index, seconds: sampled.value.seconds, peak: sampled.peak, settled: await settledMemory() });
    }
    process.stderr.write(`series: ${jobs.length} jobs\n`);
    return { model: task.model, backend: task.backend, image: task.image.name, jobs };
  });
}

/**
 * A fresh profile's first cutout, then the wait until the app says it works offline; bench.py counts
 * the bytes its server sent until each. Made through the page as a person makes it (model choice,
 * file input), so the app knows it is busy and leaves storing its other files until it is idle.
 */
function firstload(task) {
  return onAppPage(task, async (page) => {
    const image = await fetch(new URL(task.image.url, task.appUrl));
    const buffer = Buffer.from(await image.arrayBuffer());
    await page.getByTestId(`model-${task.model}`).check();
    const started = performance.now();
    await page.getByTestId('file-input').setInputFiles({ name: `${task.image.name}.jpg`, mimeType: 'image/jpeg', buffer });
    const error = page.getByTestId('error-panel');
    await page.getByTestId('result-panel').or(error).filter({ visible: true }).waitFor({ timeout: JOB_TIMEOUT_MS });
    if (await error.isVisible()) throw new Error(`the first cutout failed: ${await error.innerText()}`);
    const seconds = (performance.now() - started) / 1000;
    const cutoutAt = Date.now() / 1000;
    await page.getByTestId('offline-status').filter({ hasText: 'Works offline' }).waitFor({ timeout: JOB_TIMEOUT_MS });
    return { model: task.model, seconds, cutoutAt, offlineSeconds: (performance.now() - started) / 1000 };
  });
}

const TASKS = { speed, webgpu, memory, series, firstload };

const task = JSON.parse(process.argv[2]);
const result = await TASKS[task.task](task);
process.stdout.write(`${JSON.stringify(result)}\n`);
