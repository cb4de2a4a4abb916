// The Refine view: tools, pointer input (mouse, pen and touch alike), keyboard shortcuts, zoom and
// pan, drawing the cutout as edits and refinements land. The edits live in an edit session
// (session.js); this module only turns what the person does into them.

import { fillMask, rasterisePolygon, rectanglePolygon, startStroke, wandSelect } from './mask-tools.js';
import { clampRect } from './patches.js';
import { ZOOM_STEP, createView } from './view.js';
import { byTestIdIn } from '../app/dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const TOOL_KEYS = { b: 'brush', w: 'wand', m: 'rectangle', l: 'lasso', h: 'hand' };
// Arrow keys pan the focused canvas (the picture moves the other way, as with scrolling).
const PAN_STEP = 60;
const ARROWS = { arrowleft: [PAN_STEP, 0], arrowright: [-PAN_STEP, 0], arrowup: [0, PAN_STEP], arrowdown: [0, -PAN_STEP] };

export function createEditor(root, { onDone }) {
  const byTestId = byTestIdIn(root);
  const viewport = byTestId('editor-viewport');
  const stage = root.querySelector('.editor-stage');
  const canvas = byTestId('editor-canvas');
  const overlay = root.querySelector('.editor-overlay');
  const selectionOutline = overlay.querySelector('.selection-outline');
  const drawingOutline = overlay.querySelector('.drawing-outline');
  const cursor = overlay.querySelector('.brush-cursor');
  const status = byTestId('editor-status');
  const controls = {
    size: byTestId('brush-size'),
    hardness: byTestId('brush-hardness'),
    tolerance: byTestId('wand-tolerance'),
    contiguous: byTestId('wand-contiguous'),
    undo: byTestId('undo'),
    redo: byTestId('redo'),
    deselect: byTestId('deselect'),
  };
  const view = createView(viewport, stage);
  const context = canvas.getContext('2d');

  let session = null;
  let wholeImage = null; // ImageData over session.pixels (shares its bytes)
  let selection = null; // { plane, bounds, points }
  let scratch = null; // brush buffers, reused between strokes
  let gesture = null; // what the pointer(s) down are doing
  const pointers = new Map(); // pointerId → last client position
  let spaceHeld = false;
  let touchDown = null; // a lone finger's pointerdown, until it shows what it does

  const tool = () => root.querySelector('input[name="editor-tool"]:checked').value;
  const erasing = () => root.querySelector('input[name="editor-mode"]:checked').value === 'erase';
  const setTool = (name) => { root.querySelector(`input[name="editor-tool"][value="${name}"]`).checked = true; toolChanged(); };
  const setErasing = (erase) => { root.querySelector(`input[name="editor-mode"][value="${erase ? 'erase' : 'restore'}"]`).checked = true; };

  function toolChanged() {
    root.dataset.tool = tool();
    cursor.setAttribute('visibility', 'hidden');
  }

  // ---- drawing ----

  function paintRefined(rect) {
    context.putImageData(wholeImage, 0, 0, rect.x0, rect.y0, rect.x1 - rect.x0, rect.y1 - rect.y0);
  }

  // Before refinement answers: the cutout's colours with the edited mask's alpha (the alpha the
  // compose graph will give; only soft-edge colours change when it does).
  function paintPreview(rect) {
    const { width, pixels, mask, source } = session;
    const w = rect.x1 - rect.x0, h = rect.y1 - rect.y0;
    if (w <= 0 || h <= 0) return;
    const patch = context.createImageData(w, h);
    for (let y = 0; y < h; y += 1) {
      for (let x = 0; x < w; x += 1) {
        const index = (rect.y0 + y) * width + rect.x0 + x, out = (y * w + x) * 4;
        patch.data[out] = pixels[index * 4];
        patch.data[out + 1] = pixels[index * 4 + 1];
        patch.data[out + 2] = pixels[index * 4 + 2];
        patch.data[out + 3] = Math.round(Math.min(1, Math.max(0, mask[index])) * source[index * 4 + 3]);
      }
    }
    context.putImageData(patch, rect.x0, rect.y0);
  }

  function outline(element, points, closed) {
    element.setAttribute('d', points.length ? `M${points.map(([x, y]) => `${x},${y}`).join('L')}${closed ? 'Z' : ''}` : '');
  }

  function setSelection(next) {
    selection = next;
    outline(selectionOutline, next?.points ?? [], true);
    controls.deselect.disabled = !next;
    root.dataset.selection = next ? 'yes' : 'no';
  }

  function refreshHistoryButtons() {
    controls.undo.disabled = !session?.canUndo();
    controls.redo.disabled = !session?.canRedo();
  }

  // The numbers ride along as data attributes for scripts/bench/refine.mjs.
  function showStatus({ busy, refined, error }) {
    status.dataset.state = error ? 'error' : busy ? 'busy' : 'idle';
    if (error) status.textContent = `Edges could not be refined: ${error}`;
    else if (busy) status.textContent = 'Refining edges…';
    else if (refined) {
      const size = (rect) => `${rect.x1 - rect.x0}x${rect.y1 - rect.y0}`;
      Object.assign(status.dataset, {
        refineMs: refined.ms.toFixed(1), graphMs: refined.graphMs.toFixed(1), region: size(refined.region), crop: size(refined.crop),
        bands: String(refined.bands), backend: refined.backend, threads: String(refined.threads),
      });
      status.textContent = `Edges refined in ${Math.round(refined.ms)} ms.`;
    }
  }

  // ---- edits ----

  function commit(edit) {
    if (!edit) return;
    session.commit(edit);
    refreshHistoryButtons();
  }

  function stepHistory(step) {
    const rect = step();
    if (rect) paintPreview(rect);
    refreshHistoryButtons();
  }
  const undo = () => stepHistory(session.undo);
  const redo = () => stepHistory(session.redo);

  const brushRadius = () => Number(controls.size.value) / 2;

  function placeCursor(clientX, clientY) {
    const show = tool() === 'brush' && !spaceHeld;
    cursor.setAttribute('visibility', show ? 'visible' : 'hidden');
    if (!show) return;
    const [x, y] = view.toImage(clientX, clientY);
    cursor.setAttribute('cx', x);
    cursor.setAttribute('cy', y);
    cursor.setAttribute('r', brushRadius());
  }

  function beginGesture(event) {
    const at = view.toImage(event.clientX, event.clientY);
    if (event.button === 1 || spaceHeld || tool() === 'hand') return { kind: 'pan' };
    if (event.button !== 0) return null;
    const { width, height, mask, source } = session;
    switch (tool()) {
      case 'brush': {
        scratch ??= { coverage: new Uint8Array(width * height), base: new Float32Array(width * height) };
        const stroke = startStroke({
          mask, width, height, selection, erase: erasing(), radius: brushRadius(),
          hardness: Number(controls.hardness.value) / 100, scratch,
        });
        const changed = stroke.to(...at);
        if (changed) paintPreview(changed);
        return { kind: 'brush', stroke };
      }
      case 'wand': {
        const picked = wandSelect({
          source, width, height, x: at[0], y: at[1], tolerance: Number(controls.tolerance.value),
          contiguous: controls.contiguous.checked, selection,
        });
        if (picked) {
          const edit = fillMask(mask, width, picked, erasing() ? 0 : 1);
          paintPreview(edit.rect);
          commit(edit);
        }
        return null;
      }
      case 'rectangle':
      case 'lasso':
        return { kind: tool(), points: [at] };
      default:
        return null;
    }
  }

  function moveGesture(event) {
    const events = event.getCoalescedEvents?.().length ? event.getCoalescedEvents() : [event];
    if (gesture.kind === 'pan') {
      const last = pointers.get(event.pointerId);
      view.panBy(event.clientX - last[0], event.clientY - last[1]);
    } else if (gesture.kind === 'brush') {
      for (const each of events) {
        const changed = gesture.stroke.to(...view.toImage(each.clientX, each.clientY));
        if (changed) paintPreview(changed);
      }
    } else if (gesture.kind === 'rectangle') {
      gesture.points = [gesture.points[0], view.toImage(event.clientX, event.clientY)];
      outline(drawingOutline, rectanglePolygon(...gesture.points), true);
    } else if (gesture.kind === 'lasso') {
      for (const each of events) gesture.points.push(view.toImage(each.clientX, each.clientY));
      outline(drawingOutline, gesture.points, false);
    }
  }

  function endGesture() {
    const { width, height } = session;
    if (gesture.kind === 'brush') commit(gesture.stroke.finish());
    if (gesture.kind === 'rectangle' || gesture.kind === 'lasso') {
      const { points: drawn } = gesture;
      const points = gesture.kind === 'lasso' ? drawn : drawn.length === 2 ? rectanglePolygon(...drawn) : [];
      outline(drawingOutline, [], false);
      const raster = rasterisePolygon(points, width, height);
      // A click without a drag clears the selection, as in most editors.
      setSelection(raster ? { ...raster, bounds: clampRect(raster.bounds, width, height), points } : null);
    }
    gesture = null;
  }

  // ---- pointer input: one pointer edits or pans, two pinch-zoom ----

  function pinch() {
    const [[ax, ay], [bx, by]] = [...pointers.values()];
    return { centre: view.local((ax + bx) / 2, (ay + by) / 2), distance: Math.hypot(ax - bx, ay - by) || 1 };
  }

  viewport.addEventListener('pointerdown', (event) => {
    if (!session) return;
    viewport.focus({ preventScroll: true });
    viewport.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
    event.preventDefault();
    if (pointers.size === 2) {
      // A second finger turns whatever the first began into a pinch.
      touchDown = null;
      if (gesture && gesture.kind !== 'pan' && gesture.kind !== 'pinch') endGesture();
      gesture = { kind: 'pinch', ...pinch() };
    } else if (pointers.size === 1 && event.pointerType === 'touch') {
      // Not yet: this finger may be the first of a pinch, which must leave no dab behind.
      touchDown = event;
    } else if (pointers.size === 1) {
      gesture = beginGesture(event);
    }
  });

  // The first finger's gesture begins once it moves or lifts alone.
  function beginTouch() {
    if (!touchDown) return;
    gesture = beginGesture(touchDown);
    touchDown = null;
  }

  viewport.addEventListener('pointermove', (event) => {
    if (!session) return;
    placeCursor(event.clientX, event.clientY);
    if (!pointers.has(event.pointerId)) return;
    if (gesture?.kind === 'pinch') {
      pointers.set(event.pointerId, [event.clientX, event.clientY]);
      const now = pinch();
      view.panBy(now.centre[0] - gesture.centre[0], now.centre[1] - gesture.centre[1]);
      view.zoom(now.distance / gesture.distance, ...now.centre);
      Object.assign(gesture, now);
      return;
    }
    beginTouch();
    if (gesture) moveGesture(event);
    pointers.set(event.pointerId, [event.clientX, event.clientY]);
  });

  const release = (event) => {
    if (!pointers.delete(event.pointerId)) return;
    if (event.type === 'pointercancel') touchDown = null; // the browser took the touch over
    beginTouch();
    if (gesture && gesture.kind !== 'pinch') endGesture();
    if (pointers.size < 2 && gesture?.kind === 'pinch') gesture = null;
  };
  viewport.addEventListener('pointerup', release);
  viewport.addEventListener('pointercancel', release);
  viewport.addEventListener('pointerleave', () => cursor.setAttribute('visibility', 'hidden'));
  viewport.addEventListener('wheel', (event) => {
    if (!session) return;
    event.preventDefault();
    view.zoom(Math.exp(-event.deltaY / 500), ...view.local(event.clientX, event.clientY));
  }, { passive: false });

  // ---- controls and shortcuts ----

  root.querySelectorAll('input[name="editor-tool"]').forEach((input) => input.addEventListener('change', toolChanged));
  controls.undo.addEventListener('click', undo);
  controls.redo.addEventListener('click', redo);
  controls.deselect.addEventListener('click', () => setSelection(null));
  byTestId('zoom-in').addEventListener('click', () => view.zoom(ZOOM_STEP));
  byTestId('zoom-out').addEventListener('click', () => view.zoom(1 / ZOOM_STEP));
  byTestId('zoom-fit').addEventListener('click', () => view.fit());
  byTestId('editor-done').addEventListener('click', () => onDone());
  for (const [id, output] of [['brush-size', 'brush-size-value'], ['brush-hardness', 'brush-hardness-value'],
    ['wand-tolerance', 'wand-tolerance-value']]) {
    const show = () => { byTestId(output).textContent = byTestId(id).value; };
    byTestId(id).addEventListener('input', show);
    show();
  }

  function resizeBrush(factor) {
    controls.size.value = String(Math.round(Number(controls.size.value) * factor));
    controls.size.dispatchEvent(new Event('input'));
  }

  function onKeyDown(event) {
    // Hidden (another view is on screen) or typing: the keys are not ours.
    if (!session || !root.checkVisibility() || event.target.closest?.('input[type="text"], textarea')) return;
    const key = event.key.toLowerCase();
    const command = event.ctrlKey || event.metaKey;
    if (command && key === 'z') event.shiftKey ? redo() : undo();
    else if (command && key === 'y') redo();
    else if (command && key === 'd') setSelection(null);
    else if (command || event.altKey) return;
    else if (TOOL_KEYS[key]) setTool(TOOL_KEYS[key]);
    else if (key === 'e') setErasing(true);
    else if (key === 'r') setErasing(false);
    else if (key === 'x') setErasing(!erasing());
    else if (key === '[') resizeBrush(1 / 1.2);
    else if (key === ']') resizeBrush(1.2);
    else if (key === '+' || key === '=') view.zoom(ZOOM_STEP);
    else if (key === '-') view.zoom(1 / ZOOM_STEP);
    else if (key === '0') view.fit();
    else if (key === 'escape') (selection ? setSelection(null) : onDone());
    else if (ARROWS[key] && event.target === viewport) view.panBy(...ARROWS[key]);
    // Space still presses a focused button or toggles a focused box.
    else if (key === ' ' && !event.target.closest?.('button, input, a')) {
      spaceHeld = true;
      root.dataset.panning = 'yes';
    } else return;
    event.preventDefault();
  }
  function onKeyUp(event) {
    if (event.key === ' ') {
      spaceHeld = false;
      delete root.dataset.panning;
    }
  }

  return {
    /** Shows `session` (an edit session) in the editor. */
    open(next) {
      session = next;
      const { width, height } = session;
      canvas.width = width;
      canvas.height = height;
      overlay.setAttribute('viewBox', `0 0 ${width} ${height}`);
      wholeImage = new ImageData(new Uint8ClampedArray(session.pixels.buffer, session.pixels.byteOffset, session.pixels.length),
        width, height);
      paintRefined({ x0: 0, y0: 0, x1: width, y1: height });
      const longSide = Math.max(width, height);
      controls.size.max = String(Math.max(10, Math.round(longSide / 4)));
      controls.size.value = String(Math.max(4, Math.round(longSide / 30)));
      controls.size.dispatchEvent(new Event('input'));
      scratch = null;
      setSelection(null);
      toolChanged();
      refreshHistoryButtons();
      status.textContent = '';
      status.dataset.state = 'idle';
      for (const key of ['refineMs', 'graphMs', 'region', 'crop', 'bands', 'backend', 'threads']) delete status.dataset[key];
      root.hidden = false;
      view.setImageSize(width, height);
      view.fit();
      document.addEventListener('keydown', onKeyDown);
      document.addEventListener('keyup', onKeyUp);
      viewport.focus({ preventScroll: true });
    },

    /** Called by the session as refined pixels land. */
    paint: (rect) => wholeImage && paintRefined(rect),
    status: showStatus,

    close() {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('keyup', onKeyUp);
      root.hidden = true;
      session = null;
      wholeImage = null;
      scratch = null;
      gesture = null;
      touchDown = null;
      pointers.clear();
    },
  };
}
