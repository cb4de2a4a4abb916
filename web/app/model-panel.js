// The Fast/Best choice, and each model's place on this device: size, licence, whether it is
// stored, delete and (re-)download; plus the origin's storage estimate and a request to make
// that storage persistent. Facts come from model-store.js `list()`: build.json's table (written
// from py/cutout/models.py) and what Cache Storage holds.

import { formatBytes } from './format.js';
import { byTestIdIn } from './dom.js';

const BLURBS = {
  fast: 'Quick; good for clear subjects.',
  best: 'Finest edges: hair, fur, fine detail.',
};
const CHOICE_STORAGE_KEY = 'cutout.model';

function element(tag, { className, text, attributes = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

function button(text, testId, label, className = 'button small') {
  return element('button', { className, text, attributes: { type: 'button', 'aria-label': label, 'data-testid': testId } });
}

function modelOption(model, checked) {
  const radio = element('input', { attributes: { type: 'radio', name: 'model', value: model.key, 'data-testid': `model-${model.key}` } });
  radio.checked = checked;
  return element('label', { className: 'model-option' }, [
    radio,
    element('span', { className: 'model-text' }, [
      element('span', { className: 'model-title', text: model.title }),
      element('span', { className: 'model-blurb', text: BLURBS[model.key] ?? '' }),
      element('span', { className: 'model-status', attributes: { 'data-testid': `model-${model.key}-status` } }),
    ]),
  ]);
}

function describePersistence(persisted) {
  return persisted
    ? 'Storage is persistent: the browser keeps the models even when space runs low.'
    : 'Storage is best-effort: the browser may clear the models when space runs low.';
}

export async function setUpModelPanel({ root, store, onError }) {
  const byTestId = byTestIdIn(root);
  const options = byTestId('model-options');
  const storedList = byTestId('stored-models');
  const estimate = byTestId('storage-estimate');
  const persistButton = byTestId('persist-storage');
  const persistOutcome = byTestId('persist-outcome');
  const busy = new Map(); // model key → what its row says while a download or delete runs

  const entries = await store.list();
  const saved = localStorage.getItem(CHOICE_STORAGE_KEY);
  const initial = entries.some((model) => model.key === saved) ? saved : entries[0].key;
  options.append(...entries.map((model) => modelOption(model, model.key === initial)));
  options.addEventListener('change', (event) => localStorage.setItem(CHOICE_STORAGE_KEY, event.target.value));

  async function whileBusy(model, doing, task) {
    busy.set(model.key, doing);
    render(await store.list());
    try {
      await task();
    } catch (error) {
      onError(`${model.title}: ${error.message ?? error}`);
    } finally {
      busy.delete(model.key);
      await refresh();
    }
  }

  function storedItem(model) {
    const doing = busy.get(model.key);
    const state = doing ?? (model.cached ? 'Stored' : 'Not downloaded');
    const deleteButton = button('Delete', `delete-model-${model.key}`, `Delete ${model.title} from this device`, 'button small ghost');
    deleteButton.disabled = Boolean(doing) || !model.cached;
    deleteButton.addEventListener('click', () => whileBusy(model, 'Deleting…', () => store.delete(model.key)));
    const downloadButton = button(model.cached ? 'Re-download' : 'Download', `download-model-${model.key}`,
      `${model.cached ? 'Download again' : 'Download'} ${model.title}`);
    downloadButton.disabled = Boolean(doing);
    downloadButton.addEventListener('click', () => whileBusy(model, 'Downloading…', () => store.redownload(model.key, ({ loaded, total }) => {
      const row = storedList.querySelector(`[data-testid="stored-model-${model.key}-state"]`);
      if (row) row.textContent = `Downloading… ${formatBytes(loaded)} of ${formatBytes(total)}`;
    })));
    return element('li', { className: 'stored-model', attributes: { 'data-testid': `stored-model-${model.key}`, 'data-cached': String(model.cached) } }, [
      element('span', { className: 'stored-text' }, [
        element('span', { className: 'stored-title', text: model.title }),
        element('span', { className: 'muted small', text: `${formatBytes(model.size)} · ${model.licence}`, attributes: { 'data-testid': `stored-model-${model.key}-facts` } }),
        element('span', { className: 'small stored-state', text: state, attributes: { 'data-testid': `stored-model-${model.key}-state` } }),
      ]),
      element('span', { className: 'stored-actions' }, [downloadButton, deleteButton]),
    ]);
  }

  async function showEstimate() {
    if (!navigator.storage?.estimate) {
      estimate.textContent = 'This browser does not say how much storage is used.';
      return;
    }
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    estimate.textContent = `This site uses ${formatBytes(usage)} of about ${formatBytes(quota)} available.`;
  }

  function render(models) {
    for (const model of models) {
      const status = options.querySelector(`[data-testid="model-${model.key}-status"]`);
      const size = formatBytes(model.size);
      status.textContent = model.cached ? `Downloaded · ${size}` : `${size} · downloads on first use`;
      status.classList.toggle('is-stored', model.cached);
    }
    storedList.replaceChildren(...models.map(storedItem));
  }

  async function refresh() {
    try {
      render(await store.list());
      await showEstimate();
    } catch (error) {
      onError(`Could not read the stored models: ${error.message ?? error}`);
    }
  }

  if (navigator.storage?.persist) {
    persistOutcome.textContent = describePersistence(await navigator.storage.persisted());
    persistButton.addEventListener('click', async () => {
      const granted = await navigator.storage.persist();
      persistOutcome.textContent = granted
        ? describePersistence(true)
        : 'The browser declined for now (it decides by how much this site is used); the models stay until space runs low.';
      persistButton.hidden = granted;
    });
    persistButton.hidden = await navigator.storage.persisted();
  } else {
    persistButton.hidden = true;
    persistOutcome.textContent = 'This browser cannot keep storage persistent.';
  }

  render(entries);
  showEstimate().catch((error) => { estimate.textContent = `The storage estimate is unavailable (${error.message}).`; });
  return {
    selected: () => options.querySelector('input[name="model"]:checked').value,
    refresh,
  };
}
