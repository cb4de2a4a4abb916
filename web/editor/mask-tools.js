// The edits themselves, on the full-resolution mask (float32, 0..1, one value a pixel): brush
// strokes, magic-wand fills, and the selections that constrain both. Each finished edit is
// { rect, before, after }: the mask patches either side of it, for exact undo and redo.

import { readPatch, union } from './patches.js';

// ---- selections ---------------------------------------------------------------------------------

/**
 * The pixels whose centres lie inside a polygon (even-odd rule), points in image coordinates.
 * Returns { plane: Uint8Array (1 inside), bounds } or null when it holds no pixel.
 */
export function rasterisePolygon(points, width, height) {
  if (points.length < 3) return null;
  const ys = points.map(([, y]) => y);
  const top = Math.max(0, Math.floor(Math.min(...ys))), bottom = Math.min(height, Math.ceil(Math.max(...ys)));
  const plane = new Uint8Array(width * height);
  let bounds = null;
  for (let y = top; y < bottom; y += 1) {
    const centre = y + 0.5;
    const crossings = [];
    for (let i = 0; i < points.length; i += 1) {
      const [ax, ay] = points[i], [bx, by] = points[(i + 1) % points.length];
      if ((ay <= centre) !== (by <= centre)) crossings.push(ax + (centre - ay) / (by - ay) * (bx - ax));
    }
    crossings.sort((a, b) => a - b);
    for (let i = 0; i + 1 < crossings.length; i += 2) {
      // Pixels whose centre x + 0.5 lies in [from, to).
      const x0 = Math.max(0, Math.ceil(crossings[i] - 0.5)), x1 = Math.min(width, Math.ceil(crossings[i + 1] - 0.5));
      if (x1 <= x0) continue;
      plane.fill(1, y * width + x0, y * width + x1);
      bounds = union(bounds, { x0, y0: y, x1, y1: y + 1 });
    }
  }
  return bounds ? { plane, bounds } : null;
}

export function rectanglePolygon([ax, ay], [bx, by]) {
  return [[ax, ay], [bx, ay], [bx, by], [ax, by]];
}

const inSelection = (selection, index) => !selection || selection.plane[index] === 1;

// ---- brush --------------------------------------------------------------------------------------

/** How strongly a dab of `radius` with `hardness` (0 soft … 1 hard) acts at `distance` from its centre. */
export function dabStrength(distance, radius, hardness) {
  const inner = radius * hardness;
  if (distance <= inner) return 1;
  if (distance >= radius) return 0;
  const t = (radius - distance) / (radius - inner);
  return t * t * (3 - 2 * t);
}

/**
 * A brush stroke. `scratch` ({ coverage: Uint8Array, base: Float32Array }, both width × height,
 * coverage all zero) is reused between strokes. Overlapping dabs of one stroke do not compound:
 * each pixel keeps the strongest coverage it got, applied to its value before the stroke.
 */
export function startStroke({ mask, width, height, selection, erase, radius, hardness, scratch }) {
  const { coverage, base } = scratch;
  let touched = null;
  let last = null;

  function dab(cx, cy) {
    const x0 = Math.max(0, Math.floor(cx - radius)), x1 = Math.min(width, Math.ceil(cx + radius));
    const y0 = Math.max(0, Math.floor(cy - radius)), y1 = Math.min(height, Math.ceil(cy + radius));
    if (x1 <= x0 || y1 <= y0) return null;
    for (let y = y0; y < y1; y += 1) {
      const dy = y + 0.5 - cy;
      for (let x = x0; x < x1; x += 1) {
        const index = y * width + x;
        if (!inSelection(selection, index)) continue;
        const strength = Math.round(255 * dabStrength(Math.hypot(x + 0.5 - cx, dy), radius, hardness));
        if (strength <= coverage[index]) continue;
        if (coverage[index] === 0) base[index] = mask[index];
        coverage[index] = strength;
        const share = strength / 255;
        mask[index] = erase ? base[index] * (1 - share) : base[index] + (1 - base[index]) * share;
      }
    }
    return { x0, y0, x1, y1 };
  }

  return {
    /** Paints from the last point to (x, y); returns the rectangle that changed, or null. */
    to(x, y) {
      let changed = null;
      const from = last ?? [x, y];
      const steps = Math.max(1, Math.ceil(Math.hypot(x - from[0], y - from[1]) / Math.max(1, radius / 4)));
      for (let step = last ? 1 : 0; step <= steps; step += 1) {
        const t = step / steps;
        changed = union(changed, dab(from[0] + (x - from[0]) * t, from[1] + (y - from[1]) * t));
      }
      last = [x, y];
      touched = union(touched, changed);
      return changed;
    },
    /** Ends the stroke: the edit, or null when nothing was painted. Leaves `scratch.coverage` zero. */
    finish() {
      if (!touched) return null;
      const before = readPatch(mask, width, touched, 1);
      const after = before.slice();
      const rowLength = touched.x1 - touched.x0;
      for (let y = touched.y0; y < touched.y1; y += 1) {
        for (let x = touched.x0; x < touched.x1; x += 1) {
          const index = y * width + x;
          if (coverage[index] === 0) continue;
          before[(y - touched.y0) * rowLength + x - touched.x0] = base[index];
          coverage[index] = 0;
        }
      }
      return { rect: touched, before, after };
    },
  };
}

// ---- magic wand ---------------------------------------------------------------------------------

function colourMatcher(source, seed, tolerance) {
  const r = source[seed * 4], g = source[seed * 4 + 1], b = source[seed * 4 + 2];
  return (index) => Math.abs(source[index * 4] - r) <= tolerance && Math.abs(source[index * 4 + 1] - g) <= tolerance
    && Math.abs(source[index * 4 + 2] - b) <= tolerance;
}

/**
 * Pixels of `source` (RGBA) whose colour is within `tolerance` (0..255, per channel) of the pixel
 * at (x, y): those connected to it (4-neighbours) when `contiguous`, all of them otherwise; only
 * inside `selection`. Returns { plane, bounds } or null.
 */
export function wandSelect({ source, width, height, x, y, tolerance, contiguous, selection }) {
  const seed = Math.floor(y) * width + Math.floor(x);
  if (x < 0 || y < 0 || x >= width || y >= height || !inSelection(selection, seed)) return null;
  const matches = colourMatcher(source, seed, tolerance);
  const plane = new Uint8Array(width * height);
  let x0 = width, y0 = height, x1 = 0, y1 = 0;
  const take = (index) => {
    plane[index] = 1;
    const px = index % width, py = (index - px) / width;
    x0 = Math.min(x0, px); x1 = Math.max(x1, px + 1); y0 = Math.min(y0, py); y1 = Math.max(y1, py + 1);
  };
  if (contiguous) {
    const stack = [seed];
    take(seed);
    while (stack.length) {
      const index = stack.pop();
      const px = index % width;
      for (const next of [px > 0 ? index - 1 : -1, px + 1 < width ? index + 1 : -1, index - width, index + width]) {
        if (next < 0 || next >= plane.length || plane[next] || !inSelection(selection, next) || !matches(next)) continue;
        take(next);
        stack.push(next);
      }
    }
  } else {
    const area = selection?.bounds ?? { x0: 0, y0: 0, x1: width, y1: height };
    for (let py = area.y0; py < area.y1; py += 1) {
      for (let px = area.x0; px < area.x1; px += 1) {
        const index = py * width + px;
        if (inSelection(selection, index) && matches(index)) take(index);
      }
    }
  }
  return { plane, bounds: { x0, y0, x1, y1 } };
}

/** Sets the mask to `value` (0 remove, 1 restore) on a wand's pixels; returns the edit. */
export function fillMask(mask, width, { plane, bounds }, value) {
  const before = readPatch(mask, width, bounds, 1);
  for (let y = bounds.y0; y < bounds.y1; y += 1) {
    for (let x = bounds.x0; x < bounds.x1; x += 1) {
      const index = y * width + x;
      if (plane[index]) mask[index] = value;
    }
  }
  return { rect: bounds, before, after: readPatch(mask, width, bounds, 1) };
}
