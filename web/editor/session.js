// One image's editing session: the mask, the cutout pixels, the undo history, and the queue that
// refines each edit in order. Mask edits apply at once (the canvas previews them); the cutout's
// pixels change only through refinement, undo and redo, one queued step after another, so every
// undo puts back exactly the bytes the cutout had before that edit.

import { createRefiner } from './refiner.js';
import { readPatch, writePatch } from './patches.js';

/**
 * `result` is a job result (docs/web-contract.md): its `source`, `mask` and `pixels` are copied.
 * `decontaminate()` says whether refinement cleans edge colours; `onPixels(rect)` after the cutout
 * changed there; `onStatus({ busy, refined?, error? })` as refinement starts and ends, where
 * `refined` = { ms, graphMs, region, crop (the first band's), bands, backend, threads } of the
 * last refined edit.
 */
export function createEditSession({ result, decontaminate, onPixels, onStatus }) {
  const { width, height } = result;
  const source = new Uint8Array(result.source);
  const mask = new Float32Array(result.mask);
  const pixels = new Uint8Array(result.pixels);
  // The worker lives while the editor is open: started by prepare() as it opens (or by the first
  // edit after a release()), ended by release().
  let refinerInstance = null;
  const refiner = () => (refinerInstance ??= createRefiner({ source, mask, width, height }));
  const done = []; // { edit, region, pixelsBefore, pixelsAfter }
  const undone = [];
  let queue = Promise.resolve();
  let waiting = 0;
  let closed = false;

  function enqueue(step) {
    waiting += 1;
    onStatus({ busy: true });
    queue = queue.then(step).then((refined) => {
      waiting -= 1;
      if (!closed) onStatus({ busy: waiting > 0, refined });
    }, (error) => {
      waiting -= 1;
      if (!closed && error?.code !== 'closed') onStatus({ busy: waiting > 0, error: error.message ?? String(error) });
    });
  }

  function putPixels(region, patch) {
    writePatch(pixels, width, region, 4, patch);
    onPixels(region);
  }

  // Undo and redo: the entry's mask side at once, its pixel side in turn after queued refinements.
  function move(from, to, maskSide, pixelSide) {
    const entry = from.pop();
    if (!entry) return null;
    to.push(entry);
    writePatch(mask, width, entry.edit.rect, 1, entry.edit[maskSide]);
    enqueue(() => putPixels(entry.region, entry[pixelSide]));
    return entry.edit.rect;
  }

  return {
    width, height, source, mask, pixels,

    /** Records a finished mask edit ({ rect, before, after }) and queues its refinement. */
    commit(edit) {
      const started = performance.now();
      const captured = refiner().capture(edit.rect, decontaminate());
      const entry = { edit, region: captured.region, pixelsBefore: null, pixelsAfter: null };
      done.push(entry);
      undone.length = 0;
      enqueue(async () => {
        entry.pixelsBefore = readPatch(pixels, width, entry.region, 4);
        const refined = await refiner().run(captured);
        entry.pixelsAfter = refined.rgba;
        putPixels(entry.region, refined.rgba);
        // From the edit to its refined pixels on screen (waiting behind earlier edits included).
        return {
          ms: performance.now() - started, graphMs: refined.ms, region: entry.region, crop: captured.bands[0].crop,
          bands: captured.bands.length,
          backend: refined.backend, threads: refined.threads,
        };
      });
    },

    /** Takes back the last edit; returns its mask rectangle (to repaint), or null. */
    undo: () => move(done, undone, 'before', 'pixelsBefore'),
    redo: () => move(undone, done, 'after', 'pixelsAfter'),

    /** Whether refinement, undo or redo has yet to reach the pixels. */
    pending: () => waiting > 0,
    canUndo: () => done.length > 0,
    canRedo: () => undone.length > 0,
    /** Whether the cutout differs from the job's (some edit is applied). */
    edited: () => done.length > 0,

    /** Resolves once every queued refinement, undo and redo has reached the pixels. */
    async settled() {
      let seen;
      do {
        seen = queue;
        await seen;
      } while (seen !== queue);
    },

    /** Ends the refinement worker once the queue has settled; the next edit starts a new one. */
    async release() {
      await this.settled();
      refinerInstance?.close();
      refinerInstance = null;
    },

    /** Starts the refinement worker ahead of the first edit (it loads ONNX Runtime and the graph). */
    prepare() {
      refiner();
    },

    /** Ends everything now (another image is shown): queued refinements are dropped. */
    discard() {
      closed = true;
      refinerInstance?.close();
      refinerInstance = null;
    },
  };
}
