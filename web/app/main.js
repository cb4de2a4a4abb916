// Wires the panels to the job engine. One job is on screen at a time; each runs in a worker of
// its own (web/worker-protocol.js), so a new image simply cancels the one before.

import { startJob } from '../worker-protocol.js';
import { backendsForThisDevice } from '../backends.js';
import * as modelStore from '../model-store.js';
import { setUpDropPanel } from './drop-panel.js';
import { sentenceCase } from './format.js';
import { setUpModelPanel } from './model-panel.js';
import { setUpOutputPanel } from './output-panel.js';
import { createProgressPanel } from './progress-panel.js';
import { createResultPanel } from './result-panel.js';
import { registerServiceWorker } from './update-toast.js';

const TRANSPARENT = [0, 0, 0, 0];
const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

const views = {
  empty: byTestId('empty-state'),
  progress: byTestId('progress-panel'),
  result: byTestId('result-panel'),
  error: byTestId('error-panel'),
};
const progress = createProgressPanel(views.progress);
const result = createResultPanel(views.result);
const announcer = byTestId('announcer');
let running = null; // the job on screen: { cancel }

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

async function cutOut(file, modelPanel) {
  running?.cancel();
  const job = { cancel() {} };
  running = job;
  const isOnScreen = () => running === job;
  const startedAt = performance.now();
  let fallback = null;
  progress.start(file.name);
  showView('progress');
  try {
    const bytes = await file.arrayBuffer();
    if (!isOnScreen()) return;
    const handle = startJob({
      name: file.name,
      bytes,
      model: modelPanel.selected(),
      background: TRANSPARENT,
      decontaminate: byTestId('decontaminate').checked,
      backends: await backendsForThisDevice(),
      onEvent(event) {
        if (!isOnScreen()) return;
        if (event.type === 'backend' && event.fallbackFrom) fallback = { from: event.fallbackFrom, reason: event.reason };
        progress.update(event);
      },
    });
    job.cancel = handle.cancel;
    const output = await handle.done;
    if (!isOnScreen()) return;
    result.show({ file, result: output, fallback, elapsedMs: performance.now() - startedAt });
    showView('result');
    announcer.textContent = `Cutout of ${file.name} is ready to download.`;
  } catch (error) {
    if (!isOnScreen()) return;
    if (error?.code === 'cancelled') showView('empty');
    else showError(`Couldn’t cut out “${file.name}”`, sentenceCase(error?.message ?? String(error)));
  } finally {
    if (isOnScreen()) {
      progress.stop();
      running = null;
    }
    // The job may have downloaded a model.
    modelPanel.refresh();
  }
}

async function startApp() {
  try {
    const build = await loadBuildInfo();
    registerServiceWorker({ version: build.version, toast: byTestId('update-toast'), reloadButton: byTestId('update-reload') })
      .catch((error) => console.warn('Offline support is unavailable:', error));
    return await setUpModelPanel({
      options: byTestId('model-options'),
      storedList: byTestId('stored-models'),
      storedEmpty: byTestId('stored-models-empty'),
      store: modelStore,
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
  onFile: async (file) => {
    const modelPanel = await modelPanelReady;
    if (modelPanel) cutOut(file, modelPanel);
  },
});
byTestId('cancel').addEventListener('click', () => running?.cancel());
setUpOutputPanel();
