// The Fast/Best choice, and the models stored on this device with a way to delete them.
// Everything shown comes from model-store.js `list()`: the facts are build.json's (written from
// py/cutout/models.py), `cached` is what Cache Storage holds.

import { formatBytes } from './format.js';

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

export async function setUpModelPanel({ options, storedList, storedEmpty, store, onError }) {
  const entries = await store.list();
  const saved = localStorage.getItem(CHOICE_STORAGE_KEY);
  const initial = entries.some((model) => model.key === saved) ? saved : entries[0].key;
  options.append(...entries.map((model) => modelOption(model, model.key === initial)));
  options.addEventListener('change', (event) => localStorage.setItem(CHOICE_STORAGE_KEY, event.target.value));

  function storedItem(model) {
    const deleteButton = element('button', {
      className: 'button small ghost',
      text: 'Delete',
      attributes: { type: 'button', 'aria-label': `Delete ${model.title} from this device`, 'data-testid': `delete-model-${model.key}` },
    });
    deleteButton.addEventListener('click', async () => {
      deleteButton.disabled = true;
      try {
        await store.delete(model.key);
      } catch (error) {
        onError(`Could not delete ${model.title}: ${error.message ?? error}`);
      }
      await refresh();
    });
    return element('li', { className: 'stored-model', attributes: { 'data-testid': `stored-model-${model.key}` } }, [
      element('span', { className: 'stored-text' }, [
        element('span', { className: 'stored-title', text: model.title }),
        element('span', { className: 'muted small', text: `${formatBytes(model.size)} · ${model.licence}` }),
      ]),
      deleteButton,
    ]);
  }

  function render(models) {
    for (const model of models) {
      const status = options.querySelector(`[data-testid="model-${model.key}-status"]`);
      const size = formatBytes(model.size);
      status.textContent = model.cached ? `Downloaded · ${size}` : `${size} · downloads on first use`;
      status.classList.toggle('is-stored', model.cached);
    }
    const stored = models.filter((model) => model.cached);
    storedList.replaceChildren(...stored.map(storedItem));
    storedEmpty.hidden = stored.length > 0;
  }

  async function refresh() {
    try {
      render(await store.list());
    } catch (error) {
      onError(`Could not read the stored models: ${error.message ?? error}`);
    }
  }

  render(entries);
  return {
    selected: () => options.querySelector('input[name="model"]:checked').value,
    refresh,
  };
}
