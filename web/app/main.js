// Wires the panels to the job engine. Files wait in a queue and run one after another, each in a
// worker of its own (web/worker-protocol.js); a failure marks its file and the queue goes on.
// The screen follows the running file until the person picks a finished one from the queue.

import { exportCutout, FORMATS } from '../export.js';
import { dropPreparedJob, prepareNextJob, runWorkerJob, startJob } from '../worker-protocol.js';
import { backendsForThisDevice, earlierFailures } from '../backends.js';
import * as modelStore from '../model-store.js';
import { setUpDropPanel } from './drop-panel.js';
import { sentenceCase } from './format.js';
import { setUpModelPanel } from './model-panel.js';
import { outputSettings, setUpOutputPanel } from './output-panel.js';
import { createProgressPanel } from './progress-panel.js';
import { createQueuePanel, thumbnailUrl } from './queue-panel.js';
import { createResultPanel } from './result-panel.js';
import { registerServiceWorker } from './update-toast.js';
import { createOfflineStatus } from './offline-status.js';
import { byTestIdIn } from './dom.js';

const TRANSPARENT = [0, 0, 0, 0];
const ZIP_NAME = 'cutouts.zip';
const byTestId = byTestIdIn(document);

const views = {
  empty: byTestId('empty-state'),
  progress: byTestId('progress-panel'),
  result: byTestId('result-panel'),
  error: byTestId('error-panel'),
};
const progress = createProgressPanel(views.progress);
const result = createResultPanel(views.result);
const announcer = byTestId('announcer');

// Each item: { id, file, status: waiting|running|done|failed|cancelled, reason, originalThumb,
// cutoutThumb, png: Blob, edit: { source, mask, pixels } as Blobs, edited, facts, fallback, elapsedMs }.
// Blobs, not ArrayBuffers, so a long batch does not hold every image in the page's memory.
let items = [];
let nextId = 1;
let running = null; // { item, cancel }
let selectedId = null;
let following = true; // the screen shows the running file
let showing = 0; // bumps on every screen change, so a slow show of an older pick is dropped

const queue = createQueuePanel(byTestId('queue-panel'), {
  onSelect: select,
  onCancelRest: cancelRest,
  onClear: clearQueue,
  onDownloadAll: downloadAll,
});
const render = () => queue.render(items, selectedId);

function showView(name) {
  for (const [viewName, view] of Object.entries(views)) view.hidden = viewName !== name;
}

function showError(title, message) {
  byTestId('error-title').textContent = title;
  byTestId('error-message').textContent = message;
  showView('error');
}

async function loadBuildInfo() {
  // 'no-cache': a new deploy must be seen at once, it is how an update is found.
  const response = await fetch('build.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`build.json answered HTTP ${response.status}`);
  return response.json();
}

async function showItem(item) {
  const token = ++showing;
  selectedId = item.id;
  render();
  if (item.status === 'running') {
    showView('progress');
  } else if (item.status === 'failed') {
    showError(`Couldn’t cut out “${item.file.name}”`, sentenceCase(item.reason));
  } else if (item.status === 'done') {
    // The result on screen may be this item's, with edits not yet kept in it.
    await result.leave();
    const [png, source, mask, pixels] = await Promise.all(
      [item.png, item.edit.source, item.edit.mask, item.edit.pixels].map((blob) => blob.arrayBuffer()),
    );
    if (token !== showing) return;
    result.show({ file: item.file, result: { ...item.facts, png, source, mask, pixels }, fallback: item.fallback,
      elapsedMs: item.elapsedMs, edited: item.edited, keep: (edits) => keepEdits(item, edits) });
    showView('result');
  }
}

// Hand edits stay with their item: shown again, zipped and exported with it.
async function keepEdits(item, { mask, pixels, edited }) {
  // Blobs copy the bytes: the result panel's buffers may go on being edited.
  item.edit = { ...item.edit, mask: new Blob([mask]), pixels: new Blob([pixels]) };
  item.edited = edited;
  const { width, height } = item.facts;
  const thumb = await thumbnailUrl(new ImageData(new Uint8ClampedArray(pixels), width, height));
  if (item.cutoutThumb) URL.revokeObjectURL(item.cutoutThumb);
  item.cutoutThumb = thumb;
  render();
}

function select(item) {
  following = item.status === 'running';
  showItem(item);
}

function finish(item, status, changes = {}) {
  Object.assign(item, { status }, changes);
  render();
  if (following && item.id === selectedId) {
    if (status === 'cancelled') {
      showing += 1;
      showView('empty');
    } else {
      showItem(item);
    }
  }
}

async function runItem(item, modelPanel) {
  item.status = 'running';
  const job = { item, cancel() {} };
  running = job;
  let cancelled = false;
  job.cancel = () => { cancelled = true; };
  const startedAt = performance.now();
  // A backend that failed an earlier job is left out of this one: say so as if it failed here.
  const [earlier] = earlierFailures();
  let fallback = earlier ? { ...earlier, earlier: true } : null;
  progress.start(item.file.name);
  if (following) showItem(item);
  else render();
  try {
    const bytes = await item.file.arrayBuffer();
    if (cancelled) throw { code: 'cancelled' };
    const handle = startJob({
      name: item.file.name,
      bytes,
      model: modelPanel.selected(),
      background: TRANSPARENT,
      decontaminate: byTestId('decontaminate').checked,
      backends: await backendsForThisDevice(),
      onEvent(event) {
        if (event.type === 'backend' && event.fallbackFrom) fallback = { from: event.fallbackFrom, reason: event.reason };
        progress.update(event);
      },
    });
    job.cancel = handle.cancel;
    if (cancelled) handle.cancel();
    const { png, source, mask, pixels, ...facts } = await handle.done;
    const pngBlob = new Blob([png], { type: 'image/png' });
    finish(item, 'done', {
      png: pngBlob,
      edit: { source: new Blob([source]), mask: new Blob([mask]), pixels: new Blob([pixels]) },
      facts,
      fallback,
      elapsedMs: performance.now() - startedAt,
      cutoutThumb: await thumbnailUrl(pngBlob),
    });
    announcer.textContent = `Cutout of ${item.file.name} is ready to download.`;
  } catch (error) {
    if (error?.code === 'cancelled') finish(item, 'cancelled');
    else finish(item, 'failed', { reason: error?.message ?? String(error) });
  } finally {
    progress.stop();
    running = null;
    // The job may have downloaded a model.
    modelPanel.refresh();
  }
}

// One runner at a time works through the waiting items in order.
let pumping = false;
async function runQueue() {
  if (pumping) return;
  pumping = true;
  try {
    const modelPanel = await modelPanelReady;
    if (!modelPanel) return;
    for (let item = nextWaiting(); item; item = nextWaiting()) await runItem(item, modelPanel);
  } finally {
    pumping = false;
  }
  prepareForNextDrop();
}

// While the app is idle, the service worker stores the rest of the app for offline use, and a
// worker gets ready for the next file (Python booted, the model's sessions created), so a drop
// goes straight to the pipeline. Only for a model already stored: preparing never downloads a
// model on its own, and only where memory allows a second runtime.
const MIN_DEVICE_MEMORY_GB = 4;
async function prepareForNextDrop() {
  const modelPanel = await modelPanelReady;
  if (!modelPanel) return;
  const model = modelPanel.selected();
  const [stored, backends] = await Promise.all([modelStore.list(), backendsForThisDevice()]);
  if (!isIdle()) return; // a job started meanwhile
  offline.storeWhenIdle();
  if ((navigator.deviceMemory ?? MIN_DEVICE_MEMORY_GB) < MIN_DEVICE_MEMORY_GB) return;
  if (stored.find((entry) => entry.key === model)?.cached) prepareNextJob({ model, backend: backends[0] });
  else dropPreparedJob();
}
const nextWaiting = () => items.find((item) => item.status === 'waiting');
const isIdle = () => !running && !nextWaiting();
const offline = createOfflineStatus(byTestId('offline-status'), { isIdle });

function enqueue(files) {
  // A new batch on an idle queue is followed from its first file, as a single drop always was.
  if (!running && !nextWaiting()) following = true;
  const added = files.map((file) => ({ id: nextId++, file, status: 'waiting', originalThumb: null }));
  items.push(...added);
  render();
  for (const item of added) {
    thumbnailUrl(item.file).then((url) => {
      item.originalThumb = url;
      if (items.includes(item)) render();
      else if (url) URL.revokeObjectURL(url);
    });
  }
  runQueue();
}

function cancelRest() {
  for (const item of items) if (item.status === 'waiting') item.status = 'cancelled';
  running?.cancel();
  render();
}

function clearQueue() {
  cancelRest();
  for (const item of items) {
    for (const url of [item.originalThumb, item.cutoutThumb]) if (url) URL.revokeObjectURL(url);
  }
  items = [];
  selectedId = null;
  following = true;
  showing += 1;
  showView('empty');
  render();
}

function saveFile(blob, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  // The click starts the download at once; the URL only has to outlive this task.
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

// Each finished file exported as the Output panel says now (PNG straight from its job unless
// edited by hand); one at a time, so only one image is in memory besides the ZIP's entries.
async function exportedEntry(item, settings) {
  if (item.status === 'failed') return { name: item.file.name, error: sentenceCase(item.reason) };
  try {
    // An edited item's job PNG is not its cutout any more: not read at all.
    const [png, pixels] = await Promise.all([item.edited ? null : item.png.arrayBuffer(), item.edit.pixels.arrayBuffer()]);
    const { blob } = await exportCutout({ pixels, png, width: item.facts.width, height: item.facts.height, name: item.file.name }, settings);
    return { name: item.file.name, data: await blob.arrayBuffer() };
  } catch (error) {
    return { name: item.file.name, error: `Export failed: ${error?.message ?? error}` };
  }
}

async function downloadAll() {
  const button = byTestId('download-all');
  button.disabled = true;
  try {
    await result.saveEdits();
    const settings = outputSettings();
    const finished = items.filter((item) => item.status === 'done' || item.status === 'failed');
    const entries = [];
    for (const item of finished) entries.push(await exportedEntry(item, settings));
    const { zip } = await runWorkerJob('zip', { entries, extension: FORMATS[settings.format].extension }, {
      transfer: entries.map((entry) => entry.data).filter(Boolean),
    }).done;
    saveFile(new Blob([zip], { type: 'application/zip' }), ZIP_NAME);
    announcer.textContent = `${ZIP_NAME} with ${finished.length} files is ready.`;
  } catch (error) {
    showError('Couldn’t make the ZIP', sentenceCase(error?.message ?? String(error)));
  } finally {
    render();
  }
}

async function startApp() {
  try {
    const build = await loadBuildInfo();
    registerServiceWorker({ version: build.version, toast: byTestId('update-toast'), reloadButton: byTestId('update-reload') })
      .catch((error) => console.warn('Offline support is unavailable:', error));
    // Before the panel reads the cache, so that storage figures count only models it lists.
    await modelStore.removeUnlisted().catch((error) => console.warn('Old models could not be removed:', error));
    return await setUpModelPanel({
      root: byTestId('model-panel'),
      // A deleted model is not kept alive in a prepared worker either.
      store: { ...modelStore, delete: (key) => { dropPreparedJob(); return modelStore.delete(key); } },
      onError: (message) => showError('Stored models', message),
    });
  } catch (error) {
    showError('Cutout could not start', `The app’s files could not be loaded (${error.message}). Check the connection and reload.`);
    return null;
  }
}

// Listening before start-up finishes, so an early drop is not opened by the browser instead.
const modelPanelReady = startApp();
setUpDropPanel({
  zone: byTestId('drop-zone'),
  input: byTestId('file-input'),
  chooseButton: byTestId('choose-file'),
  overlay: byTestId('drop-overlay'),
  onFiles: enqueue,
});
byTestId('cancel').addEventListener('click', () => running?.cancel());
byTestId('model-options').addEventListener('change', () => prepareForNextDrop());
setUpOutputPanel();
modelPanelReady.then(() => prepareForNextDrop());
