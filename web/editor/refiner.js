// Edge refinement of one edited region: the compose graph in the editing session's worker, fed the
// region grown to whole blocks plus the context its blurs reach, in both directions. The graph's
// margins drop the context rows; the context columns are dropped here. The region's own pixels
// then equal what composing the whole edited picture would give them.

import { blockSize, blurRadii, refinementArea } from './edges.js';
import { readPatch, writePatch } from './patches.js';

export function createRefiner({ source, mask, width, height }) {
  const block = blockSize(width, height);
  const radii = blurRadii(width, height);
  const worker = new Worker(new URL('./refine-worker.js', import.meta.url), { type: 'module' });
  const pending = new Map(); // id → { resolve, reject }
  let nextId = 1;
  worker.onmessage = ({ data }) => {
    const request = pending.get(data.id);
    pending.delete(data.id);
    if (data.error) request?.reject(new Error(data.error));
    else request?.resolve(data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    for (const request of pending.values()) request.reject(new Error(event.message || 'the refinement worker failed'));
    pending.clear();
  };

  return {
    /**
     * Copies what refining an edit of `rect` needs from the mask as it is now, so that later edits
     * cannot leak into this one's result. `region` is where the result goes.
     */
    capture(rect, decontaminate) {
      const { region, bands } = refinementArea(rect, width, height);
      return {
        region, decontaminate,
        bands: bands.map(({ region: own, crop }) => ({
          region: own, crop, rgba: readPatch(source, width, crop, 4), alpha: readPatch(mask, width, crop, 1),
        })),
      };
    },

    /** Runs a captured edit; resolves with its region's new RGBA and the graph's time. */
    async run({ region, decontaminate, bands }) {
      const regionWidth = region.x1 - region.x0;
      const rgba = new Uint8Array(regionWidth * (region.y1 - region.y0) * 4);
      let ms = 0, answer;
      for (const band of bands) {
        const cropWidth = band.crop.x1 - band.crop.x0;
        const id = nextId++;
        answer = await new Promise((resolve, reject) => {
          pending.set(id, { resolve, reject });
          worker.postMessage({
            id, rgba: band.rgba, alpha: band.alpha, width: cropWidth, height: band.crop.y1 - band.crop.y0,
            margins: [band.region.y0 - band.crop.y0, band.crop.y1 - band.region.y1], radii, block,
            decontamination: decontaminate ? 1 : 0,
          }, [band.rgba.buffer, band.alpha.buffer]);
        });
        ms += answer.ms;
        // Only the band's own columns: the context ones are not its answer.
        const into = { x0: 0, y0: band.region.y0 - region.y0, x1: regionWidth, y1: band.region.y1 - region.y0 };
        writePatch(rgba, regionWidth, into, 4, answer.rgba, cropWidth, band.region.x0 - band.crop.x0);
      }
      return { rgba, ms, backend: answer.backend, threads: answer.threads };
    },

    close() {
      worker.terminate();
      for (const request of pending.values()) request.reject(Object.assign(new Error('the editor closed'), { code: 'closed' }));
      pending.clear();
    },
  };
}
