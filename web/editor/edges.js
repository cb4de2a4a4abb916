// How edge refinement scales with the picture: a mirror of py/cutout/edges.py (the numbers the
// compose graph is fed), so that the editor can refine one region without Python, and the region
// and crop that refine an edit exactly. Checked against Python by tests/test_editor_edges.py.

const REFERENCE_LONG_SIDE = 640;
const RADII_AT_REFERENCE = [30, 10, 3, 1];
const WORKING_LONG_SIDE = REFERENCE_LONG_SIDE;

const ceilDiv = (a, b) => Math.floor((a + b - 1) / b);
// Python's round(): halves go to the even neighbour.
function roundHalfEven(value) {
  const floor = Math.floor(value);
  const rest = value - floor;
  if (rest !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

export function blockSize(width, height) {
  return ceilDiv(Math.max(width, height), WORKING_LONG_SIDE);
}

export function blurRadii(width, height) {
  const workingLongSide = ceilDiv(Math.max(width, height), blockSize(width, height));
  const scale = workingLongSide / REFERENCE_LONG_SIDE;
  return RADII_AT_REFERENCE.map((radius) => Math.max(1, roundHalfEven(radius * scale)));
}

export function contextRows(width, height) {
  return blockSize(width, height) * (blurRadii(width, height).reduce((sum, radius) => sum + radius, 0) + 1);
}

// Like the job's bands (py/cutout/job.py BAND_PIXELS): a big edit (a global wand click) is refined
// a few million pixels at a time, so that ONNX Runtime's memory stays bounded.
const BAND_PIXELS = 4_000_000;

/**
 * What refining an edit of `rect` ({ x0, y0, x1, y1 }, ends exclusive) takes: `region`, the rect
 * grown to whole blocks (its pixels get new values), cut into `bands` of rows, each with `crop`,
 * its region plus the context its blurs reach on every side the picture has. Regions and crops
 * start on block boundaries and end on one or at the picture's edge, as the job's bands do, so the
 * compose graph run on a crop (margins for the rows, the extra columns dropped after) gives its
 * region what the whole picture would.
 */
export function refinementArea(rect, width, height, bandPixels = BAND_PIXELS) {
  const block = blockSize(width, height);
  const context = contextRows(width, height);
  const down = (value) => Math.floor(value / block) * block;
  const up = (value, limit) => Math.min(limit, Math.ceil(value / block) * block);
  const region = { x0: down(rect.x0), y0: down(rect.y0), x1: up(rect.x1, width), y1: up(rect.y1, height) };
  const rowsPerBand = Math.max(block, Math.floor(bandPixels / (region.x1 - region.x0) / block) * block);
  const bands = [];
  for (let top = region.y0; top < region.y1; top += rowsPerBand) {
    const band = { x0: region.x0, y0: top, x1: region.x1, y1: Math.min(region.y1, top + rowsPerBand) };
    const crop = {
      x0: Math.max(0, band.x0 - context), y0: Math.max(0, band.y0 - context),
      x1: Math.min(width, band.x1 + context), y1: Math.min(height, band.y1 + context),
    };
    bands.push({ region: band, crop });
  }
  return { region, bands };
}
