// The finished cutout: a before/after slider over a checkerboard, the Download link, where the
// job ran, and a warning when the device could not use its best backend. "Refine" opens the
// editor (web/editor/) on the same result; the panel then shows and downloads the edited cutout.

import { createEditor } from '../editor/editor.js';
import { encodePng } from '../editor/png-encode.js';
import { createEditSession } from '../editor/session.js';
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
  const byTestId = (id) => root.querySelector(`[data-testid="${id}"]`);
  const compare = byTestId('compare');
  const after = byTestId('result-image');
  const before = byTestId('original-image');
  const slider = byTestId('compare-slider');
  const download = byTestId('download');
  const refine = byTestId('refine');
  const facts = {
    file: byTestId('result-file'),
    size: byTestId('result-size'),
    backend: byTestId('result-backend'),
    time: byTestId('result-time'),
  };
  const warning = byTestId('backend-warning');
  const notices = byTestId('notices');
  // Lives in the sidebar's Edges panel: refinement after an edit follows it, as the job did.
  const decontaminate = document.querySelector('[data-testid="decontaminate"]');
  // Kept until the next result replaces them: the Download link needs its URL alive.
  let objectUrls = [];
  let shown = null; // { file, result, jobUrl, session, pixelsVersion, linkVersion }

  const setSplit = () => compare.style.setProperty('--split', `${slider.value}%`);
  slider.addEventListener('input', setSplit);
  // Formats the browser cannot display (HEIC in most browsers) still get a result, just no "before".
  before.addEventListener('error', () => compare.classList.add('without-original'));
  before.addEventListener('load', () => compare.classList.remove('without-original'));

  const editor = createEditor(byTestId('editor'), { onDone: closeEditor });

  function session() {
    shown.session ??= createEditSession({
      result: shown.result,
      decontaminate: () => decontaminate?.checked ?? true,
      onPixels(rect) {
        shown.pixelsVersion += 1;
        editor.paint(rect);
      },
      onStatus: (state) => editor.status(state),
    });
    return shown.session;
  }

  /** The cutout as it is now, edits included: { pixels, width, height, png } (see docs/web-contract.md). */
  async function current() {
    if (!shown) return null;
    const { result } = shown;
    const edits = shown.session;
    await edits?.settled();
    return { pixels: new Uint8Array(result.pixels), width: result.width, height: result.height,
      png: edits?.edited() ? null : result.png };
  }

  // Points the Download link and the "after" image at the cutout as it is now.
  async function linkCurrent() {
    const state = await current();
    const onScreen = shown;
    const version = shown.pixelsVersion;
    let url = shown.jobUrl;
    if (!state.png) {
      url = URL.createObjectURL(await encodePng(state.pixels, state.width, state.height));
      objectUrls.push(url);
    }
    if (shown !== onScreen) return false;
    download.href = url;
    after.src = url;
    shown.linkVersion = version;
    return true;
  }

  // The job's PNG until an edit lands; after that, an edited PNG encoded on demand.
  download.addEventListener('click', async (event) => {
    if (!shown?.session || (!shown.session.pending() && shown.linkVersion === shown.pixelsVersion)) return;
    event.preventDefault();
    if (await linkCurrent()) download.click();
  });

  function openEditor() {
    compare.hidden = true;
    refine.hidden = true;
    editor.open(session());
    shown.session.prepare();
  }

  async function closeEditor() {
    const edits = shown.session;
    await edits.release();
    editor.close();
    compare.hidden = false;
    refine.hidden = false;
    refine.focus();
    if (shown.linkVersion !== shown.pixelsVersion) await linkCurrent();
  }

  refine.addEventListener('click', openEditor);

  return {
    show({ file, result, fallback, elapsedMs }) {
      shown?.session?.discard();
      editor.close();
      compare.hidden = false;
      refine.hidden = false;
      objectUrls.forEach((url) => URL.revokeObjectURL(url));
      const resultUrl = URL.createObjectURL(new Blob([result.png], { type: 'image/png' }));
      const originalUrl = URL.createObjectURL(file);
      objectUrls = [resultUrl, originalUrl];
      shown = { file, result, jobUrl: resultUrl, session: null, pixelsVersion: 0, linkVersion: 0 };

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

    current,
  };
}
