// Rectangles of a row-major image plane (mask: 1 value a pixel, RGBA: 4): copied out and back in.
// A rect is { x0, y0, x1, y1 }, ends exclusive.

export const rectWidth = (rect) => rect.x1 - rect.x0;
export const rectHeight = (rect) => rect.y1 - rect.y0;
export const isEmpty = (rect) => !rect || rect.x1 <= rect.x0 || rect.y1 <= rect.y0;

export function union(a, b) {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

export function clampRect(rect, width, height) {
  return {
    x0: Math.max(0, Math.min(width, Math.floor(rect.x0))), y0: Math.max(0, Math.min(height, Math.floor(rect.y0))),
    x1: Math.max(0, Math.min(width, Math.ceil(rect.x1))), y1: Math.max(0, Math.min(height, Math.ceil(rect.y1))),
  };
}

/** A copy of `rect` of `plane` (an image `width` wide, `channels` values a pixel). */
export function readPatch(plane, width, rect, channels) {
  const rowLength = rectWidth(rect) * channels;
  const patch = new plane.constructor(rowLength * rectHeight(rect));
  for (let y = rect.y0; y < rect.y1; y += 1) {
    const start = (y * width + rect.x0) * channels;
    patch.set(plane.subarray(start, start + rowLength), (y - rect.y0) * rowLength);
  }
  return patch;
}

/** Writes `patch` (as readPatch made it, or rows `patchWidth` pixels wide starting at `patchX`) into `plane`. */
export function writePatch(plane, width, rect, channels, patch, patchWidth = rectWidth(rect), patchX = 0) {
  const rowLength = rectWidth(rect) * channels;
  for (let y = rect.y0; y < rect.y1; y += 1) {
    const from = ((y - rect.y0) * patchWidth + patchX) * channels;
    plane.set(patch.subarray(from, from + rowLength), (y * width + rect.x0) * channels);
  }
}
