// Names what the job is doing right now, shows model-download bytes, and keeps an elapsed
// timer and a moving bar going so a long inference never looks frozen.

import { describeBackend, formatBytes, formatSeconds, sentenceCase } from './format.js';

const STEP_ORDER = ['preparing', 'inferring', 'refining', 'encoding'];
const TICK_MS = 100;

export function createProgressPanel(root) {
  const fileName = root.querySelector('[data-testid="progress-file"]');
  const elapsed = root.querySelector('[data-testid="progress-elapsed"]');
  const stage = root.querySelector('[data-testid="progress-stage"]');
  const bar = root.querySelector('[data-testid="progress-bar"]');
  const barFill = bar.querySelector('.bar-fill');
  const detail = root.querySelector('[data-testid="progress-detail"]');
  const backend = root.querySelector('[data-testid="progress-backend"]');
  const steps = [...root.querySelectorAll('.steps li')];
  let timer;
  let downloading = false;

  function setIndeterminate() {
    bar.classList.add('is-indeterminate');
    bar.removeAttribute('aria-valuenow');
    barFill.style.removeProperty('width');
  }

  function setFraction(fraction) {
    bar.classList.remove('is-indeterminate');
    const percent = Math.round(fraction * 100);
    bar.setAttribute('aria-valuenow', String(percent));
    barFill.style.width = `${percent}%`;
  }

  function markStep(state) {
    const current = STEP_ORDER.indexOf(state);
    steps.forEach((step, index) => {
      step.classList.toggle('is-done', current > index);
      if (index === current) step.setAttribute('aria-current', 'step');
      else step.removeAttribute('aria-current');
    });
  }

  return {
    start(name) {
      fileName.textContent = name;
      stage.textContent = 'Starting…';
      detail.textContent = '';
      backend.textContent = '';
      downloading = false;
      setIndeterminate();
      markStep('preparing');
      const startedAt = performance.now();
      elapsed.textContent = formatSeconds(0);
      clearInterval(timer);
      timer = setInterval(() => { elapsed.textContent = formatSeconds(performance.now() - startedAt); }, TICK_MS);
    },

    update(event) {
      if (event.type === 'state') {
        if (STEP_ORDER.includes(event.state)) markStep(event.state);
        if (event.stage) stage.textContent = `${sentenceCase(event.stage)}…`;
        // The model downloads while Python starts: its bytes keep the bar until it is in.
        if (!downloading) setIndeterminate();
      } else if (event.type === 'download') {
        const model = `${sentenceCase(event.model)} model`;
        downloading = event.loaded < event.total;
        if (downloading) {
          setFraction(event.loaded / event.total);
          detail.textContent = `${model}: ${formatBytes(event.loaded)} of ${formatBytes(event.total)}`;
        } else {
          setIndeterminate();
          detail.textContent = `${model} downloaded (${formatBytes(event.total)}), now stored on this device`;
        }
      } else if (event.type === 'backend') {
        const runsOn = `Running on ${describeBackend(event.backend, event.threads)}`;
        backend.textContent = event.fallbackFrom ? `${runsOn} (${describeBackend(event.fallbackFrom)} failed)` : runsOn;
      }
    },

    stop() {
      clearInterval(timer);
    },
  };
}
