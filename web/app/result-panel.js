// The finished cutout: a before/after slider over a checkerboard, the Download link, where the
// job ran, and a warning when the device could not use its best backend.

import { describeBackend, formatBytes, formatSeconds, sentenceCase } from './format.js';

function pngName(fileName) {
  const base = fileName.replace(/\.[^.]*$/, '');
  return `${base || 'cutout'}.png`;
}

function capabilityWarning(result, fallback) {
  const ranOn = describeBackend(result.backend, result.threads);
  if (fallback) {
    const why = fallback.reason ? ` (${fallback.reason})` : '';
    return `${describeBackend(fallback.from)} failed on this device${why}, so the cutout was made on ${ranOn} instead.`;
  }
  if (result.backend === 'wasm-st' && !window.crossOriginIsolated) {
    return 'Only one thread was used because this page is not cross-origin isolated. '
      + 'Reloading usually fixes this: once the app is stored for offline use it adds the headers that allow threads.';
  }
  return '';
}

export function createResultPanel(root) {
  const compare = root.querySelector('[data-testid="compare"]');
  const after = root.querySelector('[data-testid="result-image"]');
  const before = root.querySelector('[data-testid="original-image"]');
  const slider = root.querySelector('[data-testid="compare-slider"]');
  const download = root.querySelector('[data-testid="download"]');
  const facts = {
    file: root.querySelector('[data-testid="result-file"]'),
    size: root.querySelector('[data-testid="result-size"]'),
    backend: root.querySelector('[data-testid="result-backend"]'),
    time: root.querySelector('[data-testid="result-time"]'),
  };
  const warning = root.querySelector('[data-testid="backend-warning"]');
  const notices = root.querySelector('[data-testid="notices"]');
  // Kept until the next result replaces them: the Download link needs its URL alive.
  let objectUrls = [];

  const setSplit = () => compare.style.setProperty('--split', `${slider.value}%`);
  slider.addEventListener('input', setSplit);
  // Formats the browser cannot display (HEIC in most browsers) still get a result, just no "before".
  before.addEventListener('error', () => compare.classList.add('without-original'));
  before.addEventListener('load', () => compare.classList.remove('without-original'));

  return {
    show({ file, result, fallback, elapsedMs }) {
      objectUrls.forEach((url) => URL.revokeObjectURL(url));
      const resultUrl = URL.createObjectURL(new Blob([result.png], { type: 'image/png' }));
      const originalUrl = URL.createObjectURL(file);
      objectUrls = [resultUrl, originalUrl];

      compare.style.setProperty('--aspect', `${result.width} / ${result.height}`);
      slider.value = '50';
      setSplit();
      after.src = resultUrl;
      before.src = originalUrl;
      download.href = resultUrl;
      download.download = pngName(file.name);

      facts.file.textContent = file.name;
      facts.size.textContent = `${result.width} × ${result.height} px · ${formatBytes(result.png.byteLength)}`;
      facts.backend.textContent = describeBackend(result.backend, result.threads);
      facts.time.textContent = formatSeconds(elapsedMs);

      warning.textContent = capabilityWarning(result, fallback);
      warning.hidden = !warning.textContent;
      notices.replaceChildren(...result.notices.map((notice) => {
        const item = document.createElement('li');
        item.textContent = sentenceCase(notice);
        return item;
      }));
      notices.hidden = result.notices.length === 0;
    },
  };
}
