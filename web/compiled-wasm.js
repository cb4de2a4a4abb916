// WebAssembly compiled once per page and handed to every job worker. V8 shares a module's code
// between the workers it is posted to, so what it optimised while one job ran (ONNX Runtime's
// kernels, Python's zlib) is optimised from the first run of the next. A worker that compiles its
// own copy starts every job on baseline code and optimises it again on the job's own cores: the
// first 12 MP job of a page ran about 1 s faster with the page's modules. (Later jobs still vary,
// baseline code turned off or not: a 12 MP photo's tiles compose in 0.85 s, or in 1.6–1.8 s for
// minutes at a time. ONNX Runtime on two threads in Node does the same, 0.77 s or 1.7 s for those
// tiles, while one thread stays at 1.15 s: the spread comes with two threads on this machine, which
// is why those tiles now run on single-threaded graph helpers, worker/graph-helpers.js.)

const compiled = new Map(); // URL → Promise<WebAssembly.Module | null>, in the page
const fromPage = []; // file names instantiated from the page's modules, in a worker
let given = {}; // the page's modules by URL, in a worker (for the workers it starts in turn)

/**
 * The page side: `{ url: WebAssembly.Module }` for `urls`, each compiled on first use. A URL that
 * does not compile is left out (its worker then compiles its own copy and fails there, if it must).
 */
export async function compiledModules(urls) {
  const entries = await Promise.all(urls.map(async (url) => {
    if (!compiled.has(url)) compiled.set(url, WebAssembly.compileStreaming(fetch(url)).catch(() => null));
    return [url, await compiled.get(url)];
  }));
  return Object.fromEntries(entries.filter(([, module]) => module));
}

/**
 * The worker side, before anything loads: a response for one of `modules`' URLs is instantiated
 * from that module instead of being compiled (ONNX Runtime and Pyodide both instantiate through
 * WebAssembly.instantiateStreaming; ONNX Runtime's threads get the module from it).
 */
export function instantiateCompiled(modules) {
  given = modules;
  const streaming = WebAssembly.instantiateStreaming;
  WebAssembly.instantiateStreaming = async (source, imports) => {
    const response = await source;
    const module = modules[response.url];
    if (!module) return streaming.call(WebAssembly, response, imports);
    response.body?.cancel().catch(() => {});
    fromPage.push(new URL(response.url).pathname.split('/').pop());
    return { module, instance: await WebAssembly.instantiate(module, imports) };
  };
}

/** The worker side: the page's modules, as `instantiateCompiled` was given them. */
export function pageModules() {
  return given;
}

/** The worker side: the file names of the .wasm this worker instantiated from the page's modules. */
export function instantiatedFromPage() {
  return [...fromPage];
}
