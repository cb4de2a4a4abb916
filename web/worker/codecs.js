// The lossy encoders Python's export stage calls (py/cutout/browser.py BridgeEncoder): jSquash's
// builds of libwebp and MozJPEG. They take straight RGBA as it is, so WebP alpha never passes
// through a premultiplying canvas. Their Emscripten factories are used directly because
// jSquash's WebP wrapper imports a bare module name, which a worker cannot resolve.

const VENDOR = new URL('../vendor/jsquash/', import.meta.url);

const CODECS = {
  'image/webp': {
    factory: 'webp/codec/enc/webp_enc_simd.js',
    meta: 'webp/meta.js',
    // exact: keep the colour under transparent pixels (straight alpha), as Cutout's PNGs do.
    options: (quality) => ({ quality, exact: 1 }),
  },
  'image/jpeg': {
    factory: 'jpeg/codec/enc/mozjpeg_enc.js',
    meta: 'jpeg/meta.js',
    options: (quality) => ({ quality }),
  },
};
const modules = new Map(); // mime → Promise<Emscripten module>

function encoderFor(mime) {
  const codec = CODECS[mime];
  if (!codec) throw Object.assign(new Error(`there is no encoder for ${mime}`), { code: 'encode-failure' });
  if (!modules.has(mime)) {
    modules.set(mime, Promise.all([import(new URL(codec.factory, VENDOR)), import(new URL(codec.meta, VENDOR))])
      .then(async ([{ default: factory }, { defaultOptions }]) => ({ module: await factory({ noInitialRun: true }), defaultOptions })));
  }
  return modules.get(mime).then((encoder) => ({ ...encoder, options: codec.options }));
}

/** `data`: a Python buffer of straight RGBA; returns the encoded file's bytes. */
export async function encode(data, mime, width, height, quality) {
  const { module, defaultOptions, options } = await encoderFor(mime);
  const view = data.getBuffer('u8');
  try {
    const encoded = module.encode(view.data, width, height, { ...defaultOptions, ...options(quality) });
    if (!encoded) throw new Error('the encoder returned nothing');
    return encoded;
  } catch (error) {
    throw Object.assign(new Error(`the ${mime} encoder failed: ${error.message ?? error}`), { code: 'encode-failure' });
  } finally {
    view.release();
  }
}
