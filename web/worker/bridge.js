// What Python calls in the job worker, registered as the module `cutout_bridge` (see
// py/cutout/browser.py): the browser's image decoders, and ONNX Runtime sessions for the
// generated graphs and the model, cached per file for this job.
//
// Python passes byte buffers as proxies; they are read in place with getBuffer() (no copy on
// this side) and Pyodide destroys them when the returned promise settles. Failures carry a
// `code` from cutout.errors so Python can raise the matching CutoutError.

import { WASM_MT, WASM_ST, WEBGPU, sessionOptions, simulateFailure, threadsFor } from '../backends.js';
import * as modelStore from '../model-store.js';
import { decoderFor, straightPixels, withProfile } from './decoders.js';
import { startDeflate } from './deflate.js';
import { startGraphHelpers } from './graph-helpers.js';
import { coded, fetchGraph, growHeap, typedView } from './graph-runs.js';

// 'default' colour conversion: an embedded ICC profile is converted to sRGB, as cutout.decode does natively.
const DECODE_OPTIONS = { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'default' };
// Graph helpers beside a job (graph-helpers.js): one per thread the job's ONNX Runtime would use,
// up to this many (each holds its own runtime and the tiles it works on).
const MAX_GRAPH_HELPERS = 4;
// The graphs whose runs go to the helpers, and the heap each helper grows before its first run
// (about what a compose tile of job.py's TILE_PIXELS takes: its first run grew a fresh single-threaded
// runtime's process by 110–130 MB in Node, not all of it heap).
const SPREAD_GRAPHS = ['compose-tile.onnx'];
const HELPER_HEAP_BYTES = 96 * 2 ** 20;

/** Seconds since a performance.now() reading, as the job's timings are kept. */
export function seconds(since) {
  return Math.round(performance.now() - since) / 1000;
}

// A canvas hands back premultiplied pixels, so a picture that may be transparent is read through
// WebGL instead; an opaque one (a JPEG) reads the same either way, and the canvas took 60–90 ms
// on 12 MP in headless Chromium against 450–830 ms for the WebGL readback.
function pixelsOf(bitmap, mayBeTransparent = true) {
  const straight = mayBeTransparent ? straightPixels(bitmap) : null;
  if (straight) {
    bitmap.close();
    return straight;
  }
  const { width, height } = bitmap;
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, pixels: context.getImageData(0, 0, width, height).data };
}

async function decode(data, mime, label) {
  const ownDecoder = decoderFor(mime);
  if (!ownDecoder && globalThis.ImageDecoder && !(await ImageDecoder.isTypeSupported(mime))) {
    throw coded('unsupported-format', `this browser cannot decode ${label}s`);
  }
  const view = data.getBuffer('u8');
  let bitmap;
  try {
    if (ownDecoder) {
      const decoded = await ownDecoder(view.data);
      if (!decoded.iccProfile) return decoded;
      bitmap = await createImageBitmap(await withProfile(decoded), DECODE_OPTIONS);
    } else {
      bitmap = await createImageBitmap(new Blob([view.data], { type: mime }), DECODE_OPTIONS);
    }
  } catch (error) {
    throw coded('corrupt-image', `this ${label} could not be decoded (${error.message})`);
  } finally {
    view.release();
  }
  return pixelsOf(bitmap, mime !== 'image/jpeg');
}

async function resize(data, width, height, newWidth, newHeight) {
  const view = data.getBuffer('u8');
  try {
    const pixels = new Uint8ClampedArray(view.data.buffer, view.data.byteOffset, view.data.byteLength);
    const bitmap = await createImageBitmap(new ImageData(pixels, width, height), {
      ...DECODE_OPTIONS, resizeWidth: newWidth, resizeHeight: newHeight, resizeQuality: 'high',
    });
    return pixelsOf(bitmap);
  } finally {
    view.release();
  }
}

/**
 * The bridge for one job: `ort` from backends.js loadOrt(backend), `model` a key of build.json's
 * models table (or null for a job that runs only the generated `graphs`, by file name),
 * `report(event)` forwards events to the page.
 */
export function createBridge({ ort, backend, model, graphs = [], fail, report }) {
  // The generated graphs always run on WASM: light per-pixel work whose inputs and outputs live
  // in Python anyway, so a GPU would add transfers (and kernel gaps) for nothing. The network,
  // where the time goes, runs on the job's backend.
  const graphBackend = backend !== WEBGPU ? backend : threadsFor(WEBGPU) > 1 ? WASM_MT : WASM_ST;
  // Deflating beside the job pays only on a core ONNX Runtime leaves free while it composes: with
  // every core in its thread pool, each of its parallel steps waited for the thread the deflater
  // had pushed aside (12 MP, 2 threads on 2 cores: compose 1.3 s slower, for 0.9 s of deflating saved).
  // (And only where a worker can start one of its own and has CompressionStream.)
  const deflatesBeside = (navigator.hardwareConcurrency || 1) > threadsFor(graphBackend)
    && typeof Worker === 'function' && typeof CompressionStream === 'function';
  // Only beside a multi-threaded runtime: the helpers' single-threaded one takes its place.
  const helperCount = graphBackend === WASM_MT ? Math.min(threadsFor(WASM_MT), MAX_GRAPH_HELPERS) : 0;
  let helperPool = null; // started by prepare(), kept where every one of them started
  let helping = false;
  const sessions = new Map(); // file name → Promise<{ session, runsOn }>
  const timings = {};
  let state = 'preparing';
  const fileName = (url) => url.slice(url.lastIndexOf('/') + 1);
  // The files of this job, from build.json: the network and the generated graphs it needs.
  const files = model === null ? Promise.resolve({ network: null, all: graphs }) : modelStore.models().then((table) => {
    if (!table[model]) throw coded('model-unavailable', `there is no model called “${model}”`);
    const { url, graphs } = table[model];
    return { network: fileName(url), all: [url, ...graphs].map(fileName) };
  });
  files.catch(() => {}); // surfaces where it is awaited
  const isNetwork = async (file) => file === (await files).network;

  async function load(file) {
    if (await isNetwork(file)) {
      const started = performance.now();
      let announced = false;
      const bytes = await modelStore.get(model, (progress) => {
        if (!announced) report({ type: 'state', state, stage: 'downloading model' });
        announced = true;
        report({ type: 'download', ...progress });
      });
      timings['model-load'] = seconds(started);
      return bytes;
    }
    return fetchGraph(file);
  }

  let firstCreation = null;

  async function createSession(file) {
    const bytes = await load(file);
    const runsOn = (await isNetwork(file)) ? backend : graphBackend;
    const started = performance.now();
    try {
      simulateFailure(fail, runsOn, 'session');
      const create = () => ort.InferenceSession.create(bytes, sessionOptions(runsOn));
      // ONNX Runtime initialises its WebAssembly in the first session it creates; two backends
      // (webgpu, wasm) starting that at once make one fail, so later sessions wait for the first.
      const session = await (firstCreation ? firstCreation.then(create, create) : (firstCreation = create()));
      timings[`session ${file}`] = seconds(started);
      return { session, runsOn };
    } catch (error) {
      throw coded('backend-failure', `${runsOn} could not load ${file}: ${error.message}`);
    }
  }

  function session(file) {
    if (!sessions.has(file)) {
      const created = createSession(file);
      created.catch(() => {}); // surfaces where it is awaited
      sessions.set(file, created);
    }
    return sessions.get(file);
  }

  return {
    backend,
    threads: threadsFor(backend),
    timings,
    /** Whether Python should deflate the job's PNG with `deflater()`, in a worker of its own. */
    deflatesBeside,

    /** Starts loading the model and creating every session the job needs; rejects on the first failure. */
    async prepare() {
      const started = performance.now();
      helperPool = helperCount ? startGraphHelpers(helperCount, SPREAD_GRAPHS, HELPER_HEAP_BYTES, fail) : null;
      // A job whose helpers could not start runs its tiles on its own runtime, as without them.
      const helpersStarted = helperPool?.ready.then((started) => {
        helping = started;
        if (!started) helperPool.terminate();
      });
      await Promise.all([...(await files).all.map(session), helpersStarted]);
      timings.sessions = seconds(started);
    },

    /**
     * Grows ONNX Runtime's heap to what the network's run takes (build.json's `inferenceHeap`)
     * by running the heap graph once, then releasing it. Growing a fresh heap made a network's
     * first run in a new worker slower than its later ones (ISNet 8.1–9.1 s against 6.9 s, U²-Net-p
     * 1.3–1.7 s against 0.9 s, headless Chromium, 2 threads); done while the page idles, the job's
     * inference runs like a later one. Only for a network on WASM: WebGPU keeps it on the GPU.
     */
    async reserveHeap() {
      if (backend === WEBGPU) return;
      const started = performance.now();
      const { inferenceHeap } = (await modelStore.models())[model];
      await growHeap(ort, graphBackend, inferenceHeap);
      timings['heap reserve'] = seconds(started);
    },

    // ---- called from Python (py/cutout/browser.py) ----

    report(event) {
      if (event.type === 'state') state = event.state;
      report(event);
    },

    decode,
    resize,
    deflater: () => startDeflate(fail),

    /** How many graph helpers run this job's compose tiles (0: its own runtime runs them). */
    get graphHelpers() {
      return helping ? helperCount : 0;
    },

    /** How many runs of graph `file` `spread` runs at once (0: not offered, its runs go through `run`). */
    spreadsFor: (file) => (helping && SPREAD_GRAPHS.includes(file) ? helperCount : 0),

    /** As `run`, on the graph helpers in turn: for runs that do not depend on each other. */
    async spread(file, specs, outputNames, ...buffers) {
      try {
        simulateFailure(fail, graphBackend, 'run');
        return await helperPool.run(file, specs, outputNames, buffers);
      } catch (error) {
        throw coded('backend-failure', `${WASM_ST} failed running ${file} beside the job: ${error.message}`);
      }
    },

    /** specs: [[name, dtype, dims]…] with one buffer per spec; returns [{ dtype, dims, data }] in `outputNames` order. */
    async run(file, specs, outputNames, ...buffers) {
      const { session: ready, runsOn } = await session(file);
      const views = buffers.map((buffer) => buffer.getBuffer('u8'));
      try {
        const feeds = Object.fromEntries(specs.map(([name, dtype, dims], index) =>
          [name, new ort.Tensor(dtype, typedView(dtype, views[index].data), dims)]));
        simulateFailure(fail, runsOn, 'run');
        // Fetching only the outputs asked for: ISNet has 12, and each costs a copy.
        const results = await ready.run(feeds, outputNames);
        return outputNames.map((name) => ({ dtype: results[name].type, dims: results[name].dims, data: results[name].data }));
      } catch (error) {
        throw coded('backend-failure', `${runsOn} failed running ${file}: ${error.message}`);
      } finally {
        views.forEach((view) => view.release());
        // The network runs once a job: its session's memory (hundreds of MB for ISNet) goes back
        // to the heap, where the edge graphs that follow reuse it instead of growing the heap.
        if (await isNetwork(file)) {
          sessions.delete(file);
          await ready.release().catch(() => {}); // a failed release costs memory, never the job
        }
      }
    },
  };
}
