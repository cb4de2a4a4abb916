// Decoders for formats Chromium's image decoders do not read, run in the job worker: HEIC/HEIF
// through libheif (WebAssembly) and TIFF through UTIF (+pako for Deflate). Each library is
// imported the first time a file needs it, so ordinary jobs never load them; scripts/build.py
// copies them to vendor/ (precached, so they work offline).
//
// A decoder takes the file's bytes and returns { width, height, pixels } with straight RGBA
// pixels, oriented as the file says, as bridge.js decode() returns for every format, plus
// `iccProfile` where the file embeds one: its colours are not sRGB yet (see `withProfile`).

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
    return { width, height, pixels: decoded.data, iccProfile: heicProfile(libheif, primary.handle) };
  } finally {
    images.forEach((image) => image.free());
  }
}

// 'prof' as libheif's heif_color_profile_type: an ICC profile ('nclx' profiles name standard
// colour spaces and are left as they are, as pillow-heif does natively).
const HEIF_ICC_PROFILE = 0x70726f66;

/** The ICC profile of a libheif image handle, or undefined. */
function heicProfile(libheif, handle) {
  // libheif-js wraps no profile call, so this calls libheif's C API: the handle's pointer is
  // embind's, and heif_error comes back through a pointer passed first (the wasm32 C ABI).
  const pointer = handle.$$.ptr;
  if (libheif._heif_image_handle_get_color_profile_type(pointer) !== HEIF_ICC_PROFILE) return undefined;
  const size = libheif._heif_image_handle_get_raw_color_profile_size(pointer);
  const error = libheif._malloc(16);
  const profile = libheif._malloc(size);
  try {
    libheif._heif_image_handle_get_raw_color_profile(error, pointer, profile);
    const code = new Int32Array(libheif.HEAPU8.buffer, error, 1)[0];
    return code === 0 ? libheif.HEAPU8.slice(profile, profile + size) : undefined;
  } finally {
    libheif._free(profile);
    libheif._free(error);
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
  const iccProfile = first.t34675; // InterColorProfile, as UTIF reads it: the profile's bytes
  return { ...oriented(pixels, first.width, first.height, first.t274?.[0] ?? 1), iccProfile };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, byte) => {
  let crc = byte;
  for (let bit = 0; bit < 8; bit += 1) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc;
});

function crc32(bytes, crc = 0xffffffff) {
  for (let i = 0; i < bytes.length; i += 1) crc = CRC_TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return crc;
}

async function zlibCompressed(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function pngChunk(type, data) {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, data.length);
  head.set([...type].map((letter) => letter.charCodeAt(0)), 4);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, (crc32(data, crc32(head.subarray(4))) ^ 0xffffffff) >>> 0);
  return [head, data, tail];
}

/**
 * A decoded picture with an ICC profile as a PNG that carries the profile (iCCP): decoding that
 * with createImageBitmap converts it to sRGB with the browser's own colour management, as JPEG,
 * PNG and WebP profiles are converted, and as cutout.decode converts every profile natively.
 */
export async function withProfile({ width, height, pixels, iccProfile }) {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  const name = new TextEncoder().encode('ICC profile\0');
  const compressedProfile = await zlibCompressed(iccProfile);
  const profileChunk = new Uint8Array(name.length + 1 + compressedProfile.length);
  profileChunk.set(name);
  profileChunk.set(compressedProfile, name.length + 1); // compression method 0 between them
  const stride = width * 4;
  const rows = new Uint8Array(height * (stride + 1)); // each row after its filter type, 0 (none)
  for (let row = 0; row < height; row += 1) rows.set(pixels.subarray(row * stride, (row + 1) * stride), row * (stride + 1) + 1);
  const parts = [new Uint8Array(PNG_SIGNATURE), ...pngChunk('IHDR', header), ...pngChunk('iCCP', profileChunk),
    ...pngChunk('IDAT', await zlibCompressed(rows)), ...pngChunk('IEND', new Uint8Array())];
  return new Blob(parts, { type: 'image/png' });
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
