// The Fast/Best choice, and the models stored on this device with a way to delete them.
// Model facts (title, size, licence) come from build.json, which the build takes from
// py/cutout/models.py; what is stored comes from model-store.js.

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

export function setUpModelPanel({ options, storedList, storedEmpty, models, store, onError }) {
  const saved = localStorage.getItem(CHOICE_STORAGE_KEY);
  const initial = saved in models ? saved : Object.keys(models)[0];
  const statusByKey = {};

  for (const [key, model] of Object.entries(models)) {
    const radio = element('input', { attributes: { type: 'radio', name: 'model', value: key, 'data-testid': `model-${key}` } });
    radio.checked = key === initial;
    statusByKey[key] = element('span', { className: 'model-status', attributes: { 'data-testid': `model-${key}-status` } });
    options.append(element('label', { className: 'model-option' }, [
      radio,
      element('span', { className: 'model-text' }, [
        element('span', { className: 'model-title', text: model.title }),
        element('span', { className: 'model-blurb', text: BLURBS[key] ?? '' }),
        statusByKey[key],
      ]),
    ]));
  }
  options.addEventListener('change', (event) => localStorage.setItem(CHOICE_STORAGE_KEY, event.target.value));

  function renderStored(storedKeys) {
    for (const [key, model] of Object.entries(models)) {
      const isStored = storedKeys.has(key);
      const size = formatBytes(model.size);
      statusByKey[key].textContent = isStored ? `Downloaded · ${size}` : `${size} · downloads on first use`;
      statusByKey[key].classList.toggle('is-stored', isStored);
    }
    storedList.replaceChildren(...[...storedKeys].filter((key) => key in models).map((key) => {
      const model = models[key];
      const deleteButton = element('button', {
        className: 'button small ghost',
        text: 'Delete',
        attributes: { type: 'button', 'aria-label': `Delete ${model.title} from this device`, 'data-testid': `delete-model-${key}` },
      });
      deleteButton.addEventListener('click', async () => {
        deleteButton.disabled = true;
        try {
          await store.delete(key);
        } catch (error) {
          onError(`Could not delete ${model.title}: ${error.message ?? error}`);
        }
        await refresh();
      });
      return element('li', { className: 'stored-model', attributes: { 'data-testid': `stored-model-${key}` } }, [
        element('span', { className: 'stored-text' }, [
          element('span', { className: 'stored-title', text: model.title }),
          element('span', { className: 'muted small', text: `${formatBytes(model.size)} · ${model.licence}` }),
        ]),
        deleteButton,
      ]);
    }));
    storedEmpty.hidden = storedList.childElementCount > 0;
  }

  async function refresh() {
    const entries = await store.list();
    renderStored(new Set(entries.map((entry) => entry.key)));
  }

  renderStored(new Set());
  refresh().catch((error) => onError(`Could not read the stored models: ${error.message ?? error}`));

  return {
    selected: () => options.querySelector('input[name="model"]:checked').value,
    refresh,
  };
}
