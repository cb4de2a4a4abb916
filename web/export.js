// The page side of exporting (docs/web-contract.md): a cutout, edited or not, as the file the
// person asked for. PNG on transparent is the job's own verified PNG while nothing was edited;
// anything else runs an `export` job (py/cutout/export.py) in a fresh worker.

import { testSwitches } from './backends.js';
import { runWorkerJob } from './worker-protocol.js';

export const FORMATS = {
  png: { label: 'PNG', extension: 'png', lossy: false },
  jpeg: { label: 'JPEG', extension: 'jpg', lossy: true },
  webp: { label: 'WebP', extension: 'webp', lossy: true },
};

/** "holiday.jpeg" → "holiday.<extension>": cutouts keep their original's base name. */
export function exportName(fileName, extension) {
  const base = fileName.replace(/\.[^.]*$/, '');
  return `${base || 'cutout'}.${extension}`;
}

/**
 * cutout: { pixels (RGBA, straight), width, height, png (ArrayBuffer, or null once edited), name };
 * settings: { format: 'png'|'jpeg'|'webp', quality, background: null | [r,g,b,a] | File (a picture) }.
 * Resolves with { blob, fileName, notices }; rejects with { code, message }.
 */
export async function exportCutout(cutout, settings) {
  const { format, quality, background } = settings;
  if (format === 'png' && background === null && cutout.png) {
    return { blob: new Blob([cutout.png], { type: 'image/png' }), fileName: exportName(cutout.name, 'png'), notices: [] };
  }
  // Copied: the job takes its buffers over, and the cutout stays on screen.
  const pixels = new Uint8Array(cutout.pixels).slice().buffer;
  const picture = background instanceof Blob ? await background.arrayBuffer() : null;
  const job = {
    pixels, width: cutout.width, height: cutout.height, format, quality,
    background: picture ?? background, fail: testSwitches().fail,
  };
  const result = await runWorkerJob('export', job, { transfer: picture ? [pixels, picture] : [pixels] }).done;
  return {
    blob: new Blob([result.bytes], { type: result.mime }),
    fileName: exportName(cutout.name, result.extension),
    notices: result.notices,
  };
}
