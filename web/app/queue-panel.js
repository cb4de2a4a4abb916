// The batch queue: one row per file with a thumbnail (the original until its cutout is done) and
// its status or failure reason; the rows are buttons that put a finished file on screen.
// main.js owns the items and their jobs; this module only draws them.

import { sentenceCase } from './format.js';

const THUMB_SIZE = 96; // px, the longer side: small enough that a long batch stays light
const STATUS_TEXT = {
  waiting: 'Waiting',
  running: 'Working…',
  done: 'Done',
  cancelled: 'Cancelled',
};

/**
 * A small PNG object URL of `picture` (a Blob or ImageData), or null when the browser cannot
 * decode it (HEIC, TIFF, a corrupt file): the row then keeps its placeholder. Full-size images are
 * never kept for a row.
 */
export async function thumbnailUrl(picture) {
  try {
    const probe = await createImageBitmap(picture);
    const scale = THUMB_SIZE / Math.max(probe.width, probe.height);
    const width = Math.max(1, Math.round(probe.width * scale));
    const height = Math.max(1, Math.round(probe.height * scale));
    probe.close();
    const bitmap = await createImageBitmap(picture, { resizeWidth: width, resizeHeight: height, resizeQuality: 'medium' });
    const canvas = new OffscreenCanvas(width, height);
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
    return URL.createObjectURL(await canvas.convertToBlob({ type: 'image/png' }));
  } catch {
    return null;
  }
}

function statusText(item) {
  return item.status === 'failed' ? `Failed: ${sentenceCase(item.reason)}` : STATUS_TEXT[item.status];
}

export function createQueuePanel(root, { onSelect, onCancelRest, onClear, onDownloadAll }) {
  const list = root.querySelector('[data-testid="queue-list"]');
  const summary = root.querySelector('[data-testid="queue-summary"]');
  const downloadAll = root.querySelector('[data-testid="download-all"]');
  const cancelRest = root.querySelector('[data-testid="cancel-rest"]');
  const clear = root.querySelector('[data-testid="clear-queue"]');
  const rows = new Map(); // item id → { row, button, thumb, status }

  downloadAll.addEventListener('click', onDownloadAll);
  cancelRest.addEventListener('click', onCancelRest);
  clear.addEventListener('click', onClear);

  function createRow(item) {
    const thumb = document.createElement('img');
    thumb.className = 'queue-thumb';
    thumb.alt = '';
    const name = document.createElement('span');
    name.className = 'queue-name';
    name.textContent = item.file.name;
    const status = document.createElement('span');
    status.className = 'queue-status small';
    status.dataset.testid = 'queue-item-status';
    const text = document.createElement('span');
    text.className = 'queue-text';
    text.append(name, status);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'queue-select';
    button.append(thumb, text);
    button.addEventListener('click', () => onSelect(item));
    const row = document.createElement('li');
    row.className = 'queue-item';
    row.dataset.testid = 'queue-item';
    row.append(button);
    list.append(row);
    const parts = { row, button, thumb, status };
    rows.set(item.id, parts);
    return parts;
  }

  return {
    /** Draws `items` (adding, updating and removing rows) with `selectedId` marked as on screen. */
    render(items, selectedId) {
      const present = new Set(items.map((item) => item.id));
      for (const [id, { row }] of rows) {
        if (present.has(id)) continue;
        row.remove();
        rows.delete(id);
      }
      for (const item of items) {
        const { row, button, thumb, status } = rows.get(item.id) ?? createRow(item);
        row.dataset.status = item.status;
        status.textContent = statusText(item);
        const thumbSrc = item.cutoutThumb ?? item.originalThumb;
        if (thumbSrc) thumb.src = thumbSrc;
        else thumb.removeAttribute('src');
        row.classList.toggle('has-thumb', Boolean(thumbSrc));
        button.disabled = item.status === 'waiting' || item.status === 'cancelled';
        if (item.id === selectedId) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');
      }
      const count = (status) => items.filter((item) => item.status === status).length;
      const finished = count('done') + count('failed');
      const pending = count('waiting') + count('running');
      summary.textContent = `${count('done')} done · ${count('failed')} failed · ${pending} to go`;
      root.hidden = items.length < 2;
      downloadAll.disabled = pending > 0 || finished === 0;
      cancelRest.disabled = pending === 0;
    },
  };
}
