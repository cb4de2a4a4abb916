// Zoom and pan of the editing canvas: the stage (canvas + overlay, image-sized) is moved and scaled
// inside the viewport with one CSS transform; pointer positions map back to image pixels.

const MIN_SCALE = 1 / 64;
const MAX_SCALE = 32;
export const ZOOM_STEP = 1.25;

export function createView(viewport, stage) {
  let width = 1, height = 1;
  let scale = 1, x = 0, y = 0;

  function apply() {
    stage.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    // Close up, each image pixel should stay a crisp square.
    stage.classList.toggle('pixelated', scale >= 2);
  }

  return {
    get scale() { return scale; },

    setImageSize(w, h) {
      width = w;
      height = h;
      stage.style.width = `${w}px`;
      stage.style.height = `${h}px`;
    },

    fit() {
      const { clientWidth, clientHeight } = viewport;
      scale = Math.min(clientWidth / width, clientHeight / height);
      x = (clientWidth - width * scale) / 2;
      y = (clientHeight - height * scale) / 2;
      apply();
    },

    /** Zooms by `factor` keeping the viewport point (px, py) still (the centre by default). */
    zoom(factor, px = viewport.clientWidth / 2, py = viewport.clientHeight / 2) {
      const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale * factor));
      x = px - (px - x) * (next / scale);
      y = py - (py - y) * (next / scale);
      scale = next;
      apply();
    },

    panBy(dx, dy) {
      x += dx;
      y += dy;
      apply();
    },

    /** A client-space point in viewport coordinates. */
    local(clientX, clientY) {
      const box = viewport.getBoundingClientRect();
      return [clientX - box.left - viewport.clientLeft, clientY - box.top - viewport.clientTop];
    },

    /** A client-space point in image pixels (fractional). */
    toImage(clientX, clientY) {
      const [px, py] = this.local(clientX, clientY);
      return [(px - x) / scale, (py - y) / scale];
    },
  };
}
