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
      const { region, crop } = refinementArea(rect, width, height);
      return { region, crop, decontaminate, rgba: readPatch(source, width, crop, 4), alpha: readPatch(mask, width, crop, 1) };
    },

    /** Runs a captured region; resolves with its new RGBA (the region's own pixels) and timings. */
    async run({ region, crop, decontaminate, rgba, alpha }) {
      const cropWidth = crop.x1 - crop.x0;
      const id = nextId++;
      const answer = await new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({
          id, rgba, alpha, width: cropWidth, height: crop.y1 - crop.y0,
          margins: [region.y0 - crop.y0, crop.y1 - region.y1], radii, block, decontamination: decontaminate ? 1 : 0,
        }, [rgba.buffer, alpha.buffer]);
      });
      // Only the region's own columns: the context ones are not this region's answer.
      const own = new Uint8Array((region.x1 - region.x0) * (region.y1 - region.y0) * 4);
      writePatch(own, region.x1 - region.x0, { x0: 0, y0: 0, x1: region.x1 - region.x0, y1: region.y1 - region.y0 }, 4,
        answer.rgba, cropWidth, region.x0 - crop.x0);
      return { rgba: own, ms: answer.ms, backend: answer.backend, threads: answer.threads };
    },

    close() {
      worker.terminate();
      for (const request of pending.values()) request.reject(Object.assign(new Error('the editor closed'), { code: 'closed' }));
      pending.clear();
    },
  };
}
