// Decoders for formats Chromium's image decoders do not read, run in the job worker: HEIC/HEIF
// through libheif (WebAssembly) and TIFF through UTIF (+pako for Deflate). Each library is
// imported the first time a file needs it, so ordinary jobs never load them; scripts/build.py
// copies them to vendor/ (precached, so they work offline).
//
// A decoder takes the file's bytes and returns { width, height, pixels } with straight RGBA
// pixels, oriented as the file says, as bridge.js decode() returns for every format.

const VENDOR = new URL('../vendor/', import.meta.url);

async function decodeHeic(bytes) {
  // The bundle embeds its WebAssembly, so one file is all it fetches.
  const { default: loadLibheif } = await import(new URL('libheif/libheif-bundle.mjs', VENDOR));
  const libheif = await loadLibheif();
  const decoder = new libheif.HeifDecoder();
  const images = decoder.decode(bytes);
  if (!images.length) throw new Error('libheif found no picture in it');
  const [primary] = images; // libheif lists the primary image first; irot/imir already applied
  try {
    const width = primary.get_width();
    const height = primary.get_height();
    const decoded = await new Promise((resolve, reject) => {
      primary.display({ data: new Uint8ClampedArray(width * height * 4), width, height },
        (result) => (result ? resolve(result) : reject(new Error('libheif could not decode its picture'))));
    });
    return { width, height, pixels: decoded.data };
  } finally {
    images.forEach((image) => image.free());
  }
}

let utif = null;

async function loadUtif() {
  // UTIF and pako are classic scripts that publish themselves on `self` when loaded as modules.
  if (!utif) {
    await import(new URL('pako/pako.min.js', VENDOR));
    await import(new URL('utif/UTIF.js', VENDOR));
    utif = self.UTIF;
  }
  return utif;
}

// TIFF orientation (tag 274) → how a stored pixel (x, y) of a w×h picture lands in the upright one.
const TIFF_ORIENTATIONS = {
  2: (x, y, w, h) => [w - 1 - x, y],
  3: (x, y, w, h) => [w - 1 - x, h - 1 - y],
  4: (x, y, w, h) => [x, h - 1 - y],
  5: (x, y) => [y, x],
  6: (x, y, w, h) => [h - 1 - y, x],
  7: (x, y, w, h) => [h - 1 - y, w - 1 - x],
  8: (x, y, w) => [y, w - 1 - x],
};

function oriented(pixels, width, height, orientation) {
  const place = TIFF_ORIENTATIONS[orientation];
  if (!place) return { width, height, pixels };
  const [newWidth, newHeight] = orientation >= 5 ? [height, width] : [width, height];
  const source = new Uint32Array(pixels.buffer, pixels.byteOffset, width * height);
  const target = new Uint32Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const [toX, toY] = place(x, y, width, height);
      target[toY * newWidth + toX] = source[y * width + x];
    }
  }
  return { width: newWidth, height: newHeight, pixels: new Uint8Array(target.buffer) };
}

async function decodeTiff(bytes) {
  const UTIF = await loadUtif();
  // UTIF reads from an ArrayBuffer from its start: give it one of exactly the file.
  const buffer = bytes.slice().buffer;
  const [first] = UTIF.decode(buffer);
  if (!first) throw new Error('it holds no picture');
  UTIF.decodeImage(buffer, first);
  if (!first.width || !first.height) throw new Error('its first picture could not be read');
  const pixels = UTIF.toRGBA8(first);
  return oriented(pixels, first.width, first.height, first.t274?.[0] ?? 1);
}

const DECODERS = { 'image/heic': decodeHeic, 'image/tiff': decodeTiff };

/** The decoder of this module for `mime`, or undefined where the browser's own decoders read it. */
export function decoderFor(mime) {
  return DECODERS[mime];
}

/**
 * The pixels of a bitmap decoded with premultiplyAlpha 'none', exactly as decoded, or null where
 * WebGL 2 is unavailable or the bitmap is larger than a texture. A 2D canvas would do, but it
 * stores premultiplied colour: transparent pixels lose their RGB and semi-transparent ones are
 * rounded, so the browser's cutout would differ from the CLI's. WebGL uploads and reads back
 * straight RGBA.
 */
export function straightPixels(bitmap) {
  const { width, height } = bitmap;
  const gl = new OffscreenCanvas(width, height).getContext('webgl2', { premultipliedAlpha: false, antialias: false });
  if (!gl) return null;
  try {
    const largest = gl.getParameter(gl.MAX_TEXTURE_SIZE);
    if (width > largest || height > largest) return null;
    gl.bindTexture(gl.TEXTURE_2D, gl.createTexture());
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    gl.bindFramebuffer(gl.FRAMEBUFFER, gl.createFramebuffer());
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, gl.getParameter(gl.TEXTURE_BINDING_2D), 0);
    // Texture row 0 is the bitmap's top row and readPixels starts at row 0: no flip needed.
    const pixels = new Uint8Array(width * height * 4);
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    return gl.getError() === gl.NO_ERROR ? { width, height, pixels } : null;
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}
