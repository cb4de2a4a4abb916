// The finished cutout: a before/after slider over a checkerboard, the Download link, where the
// job ran, and a warning when the device could not use its best backend. "Refine" opens the
// editor (web/editor/) on the same result; the panel then shows and downloads the edited cutout,
// and hands the edits back to whoever showed it (`keep`) before another result takes its place.

import { createEditor } from '../editor/editor.js';
import { createEditSession } from '../editor/session.js';
import { exportCutout, exportName } from '../export.js';
import { describeBackend, formatBytes, formatSeconds, sentenceCase } from './format.js';
import { outputSettings, settingsKey } from './output-panel.js';
import { byTestIdIn } from './dom.js';

function capabilityWarning(result, fallback) {
  const ranOn = describeBackend(result.backend, result.threads);
  if (fallback) {
    const why = fallback.reason ? ` (${fallback.reason})` : '';
    const when = fallback.earlier ? ' in an earlier job' : '';
    return `${describeBackend(fallback.from)} failed on this device${when}${why}, so the cutout was made on ${ranOn} instead.`;
  }
  if (result.backend === 'wasm-st' && !window.crossOriginIsolated) {
    return 'Only one thread was used because this page is not cross-origin isolated. '
      + 'Reloading usually fixes this: once the app is stored for offline use it adds the headers that allow threads.';
  }
  return '';
}

export function createResultPanel(root) {
  const byTestId = byTestIdIn(root);
  const compare = byTestId('compare');
  const after = byTestId('result-image');
  const before = byTestId('original-image');
  const slider = byTestId('compare-slider');
  const download = byTestId('download');
  const downloadLabel = byTestId('download-label');
  const exportError = byTestId('export-error');
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
  let shown = null; // { file, result, edited, keep, session, pixelsVersion, shownVersion, keptVersion, downloadKey }
  let keeping = Promise.resolve(); // edits on their way to their `keep`

  const setSplit = () => compare.style.setProperty('--split', `${slider.value}%`);
  slider.addEventListener('input', setSplit);
  // Formats the browser cannot display (HEIC in most browsers) still get a result, just no "before".
  before.addEventListener('error', () => compare.classList.add('without-original'));
  before.addEventListener('load', () => compare.classList.remove('without-original'));

  const editor = createEditor(byTestId('editor'), { onDone: closeEditor });

  function session() {
    const state = shown;
    // Bound to its own result: a refinement may still land after another result is on screen.
    state.session ??= createEditSession({
      result: state.result,
      decontaminate: () => decontaminate?.checked ?? true,
      onPixels(rect) {
        state.pixelsVersion += 1;
        if (shown === state) editor.paint(rect);
      },
      onStatus(status) {
        if (shown === state) editor.status(status);
      },
    });
    return state.session;
  }

  // Whether `state`'s pixels differ from its job's PNG: edits kept from earlier, or applied now.
  const isEdited = (state) => state.edited || Boolean(state.session?.edited());

  /** Once its queued refinements have landed, gives `state`'s edited mask and pixels to its `keep`. */
  async function keepEdits(state) {
    if (!state?.session) return;
    await state.session.settled();
    if (state.keptVersion === state.pixelsVersion) return;
    state.keptVersion = state.pixelsVersion;
    await state.keep({ mask: state.result.mask, pixels: state.result.pixels, edited: isEdited(state) });
  }

  /** The cutout as it is now, edits included: { pixels, width, height, png } (see docs/web-contract.md). */
  async function current() {
    const state = shown;
    if (!state) return null;
    await state.session?.settled();
    const { result } = state;
    return { pixels: new Uint8Array(result.pixels), width: result.width, height: result.height,
      png: isEdited(state) ? null : result.png };
  }

  // Shows the edited cutout; a canvas is fine for the screen (exports never go through one).
  async function showCurrent() {
    const state = await current();
    const onScreen = shown;
    const canvas = new OffscreenCanvas(state.width, state.height);
    const pixels = new Uint8ClampedArray(state.pixels.buffer, state.pixels.byteOffset, state.pixels.byteLength);
    canvas.getContext('2d').putImageData(new ImageData(pixels, state.width, state.height), 0, 0);
    const url = URL.createObjectURL(await canvas.convertToBlob());
    objectUrls.push(url);
    if (shown === onScreen) after.src = url;
  }

  // The Download link is prepared for one state of the pixels and one choice of output; pressing it
  // after either changed exports again (py/cutout/export.py, verified) and then downloads.
  const downloadKey = () => `${shown.pixelsVersion}|${settingsKey(outputSettings())}`;

  async function prepareDownload() {
    const key = downloadKey();
    const onScreen = shown;
    exportError.hidden = true;
    download.setAttribute('aria-busy', 'true');
    downloadLabel.textContent = 'Exporting…';
    try {
      const { blob, fileName, notices: exportNotices } = await exportCutout({ ...(await current()), name: shown.file.name },
        outputSettings());
      if (shown !== onScreen) return false;
      const url = URL.createObjectURL(blob);
      objectUrls.push(url);
      download.href = url;
      download.download = fileName;
      shown.downloadKey = key;
      showNotices([...shown.result.notices, ...exportNotices]);
      return true;
    } catch (error) {
      if (shown === onScreen) {
        exportError.textContent = `The export failed, so nothing was downloaded: ${error?.message ?? error}.`;
        exportError.hidden = false;
      }
      return false;
    } finally {
      download.removeAttribute('aria-busy');
      downloadLabel.textContent = 'Download';
    }
  }

  download.addEventListener('click', async (event) => {
    if (shown && !shown.session?.pending() && shown.downloadKey === downloadKey()) return;
    event.preventDefault();
    if (download.getAttribute('aria-busy')) return;
    if (await prepareDownload()) download.click();
  });

  function showNotices(list) {
    notices.replaceChildren(...list.map((notice) => {
      const item = document.createElement('li');
      item.textContent = sentenceCase(notice);
      return item;
    }));
    notices.hidden = list.length === 0;
  }

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
    if (shown.shownVersion !== shown.pixelsVersion) {
      shown.shownVersion = shown.pixelsVersion;
      await showCurrent();
    }
  }

  refine.addEventListener('click', openEditor);

  return {
    /**
     * Shows a finished job's `result`; `edited` when its mask and pixels carry hand edits kept
     * earlier. `keep({ mask, pixels, edited })` receives this result's edits (saveEdits, leave).
     */
    show({ file, result, fallback, elapsedMs, edited = false, keep = () => {} }) {
      shown?.session?.discard();
      editor.close();
      compare.hidden = false;
      refine.hidden = false;
      objectUrls.forEach((url) => URL.revokeObjectURL(url));
      const resultUrl = URL.createObjectURL(new Blob([result.png], { type: 'image/png' }));
      const originalUrl = URL.createObjectURL(file);
      objectUrls = [resultUrl, originalUrl];
      shown = { file, result, edited, keep, session: null, pixelsVersion: 0, shownVersion: 0, keptVersion: 0, downloadKey: null };
      exportError.hidden = true;

      compare.style.setProperty('--aspect', `${result.width} / ${result.height}`);
      slider.value = '50';
      setSplit();
      before.src = originalUrl;
      download.download = exportName(file.name, 'png');
      if (edited) {
        // The job's PNG is not this cutout any more: Download exports the edited pixels.
        download.removeAttribute('href');
        showCurrent();
      } else {
        after.src = resultUrl;
        // Ready at once for the usual choice (PNG on transparent); anything else exports on click.
        download.href = resultUrl;
        const { format, background } = outputSettings();
        if (format === 'png' && background === null) shown.downloadKey = downloadKey();
      }

      facts.file.textContent = file.name;
      facts.size.textContent = `${result.width} × ${result.height} px · ${edited ? 'edited' : formatBytes(result.png.byteLength)}`;
      facts.backend.textContent = describeBackend(result.backend, result.threads);
      facts.time.textContent = formatSeconds(elapsedMs);

      warning.textContent = capabilityWarning(result, fallback);
      warning.hidden = !warning.textContent;
      showNotices(result.notices);
    },

    current,

    /** Hands the shown result's edits, settled, to its `keep` (before a ZIP is made of them all). */
    async saveEdits() {
      keeping = Promise.all([keeping, keepEdits(shown)]);
      await keeping;
    },

    /** Lets the shown result go once its edits reached its `keep`; resolves when every such hand-over has. */
    async leave() {
      const state = shown;
      shown = null;
      editor.close();
      keeping = Promise.all([keeping, keepEdits(state).finally(() => state?.session?.discard())]);
      await keeping;
    },
  };
}
