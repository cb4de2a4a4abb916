// The Output panel: what goes behind the cutout (nothing, a colour, or a picture) and the file
// format. Export reads it when Download is pressed (web/export.js), so a change applies at once
// to the cutout on screen, edited or not.

import { FORMATS } from '../export.js';
import { byTestIdIn } from './dom.js';

const byTestId = byTestIdIn(document);

function hexToRgba(hex) {
  return [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16)).concat(255);
}

/** { format, quality, background: null | [r,g,b,a] | File } as chosen now. */
export function outputSettings() {
  const kind = document.querySelector('input[name="backdrop"]:checked')?.value ?? 'transparent';
  const picture = byTestId('backdrop-picture-input').files[0] ?? null;
  const background = { transparent: null, colour: hexToRgba(byTestId('backdrop-colour').value), picture }[kind];
  const format = byTestId('output-format').value;
  return { format, quality: Number(byTestId('output-quality').value), background };
}

/** A string that changes whenever the settings do, so a prepared download can be reused. */
export function settingsKey({ format, quality, background }) {
  const backdrop = background instanceof File ? `${background.name}:${background.size}:${background.lastModified}` : String(background);
  return `${format}|${quality}|${backdrop}`;
}

export function setUpOutputPanel() {
  const format = byTestId('output-format');
  const quality = byTestId('output-quality');
  const qualityValue = byTestId('output-quality-value');
  const pictureInput = byTestId('backdrop-picture-input');
  const pictureName = byTestId('backdrop-picture-name');
  const jpegNote = byTestId('jpeg-note');

  const refresh = () => {
    const { lossy } = FORMATS[format.value];
    byTestId('output-quality-row').hidden = !lossy;
    qualityValue.textContent = quality.value;
    const transparent = document.querySelector('input[name="backdrop"]:checked').value === 'transparent';
    jpegNote.hidden = !(format.value === 'jpeg' && transparent);
    const picture = pictureInput.files[0];
    pictureName.textContent = picture ? picture.name : 'No picture chosen';
  };
  byTestId('output-panel').addEventListener('input', refresh);
  byTestId('output-panel').addEventListener('change', refresh);
  byTestId('backdrop-picture-choose').addEventListener('click', () => pictureInput.click());
  // Choosing a picture means using it.
  pictureInput.addEventListener('change', () => {
    if (pictureInput.files[0]) byTestId('backdrop-picture').checked = true;
    refresh();
  });
  byTestId('backdrop-colour').addEventListener('input', () => { byTestId('backdrop-colour-choice').checked = true; });
  refresh();
}
