// Deflates what web/worker/deflate.js sends: chunks of bytes, then null to end. Answers
// { stream } (an ArrayBuffer, the whole zlib stream) or { error }.

const compressor = new CompressionStream('deflate');
const writer = compressor.writable.getWriter();
const compressed = new Response(compressor.readable).arrayBuffer();
let failure = null;
compressed.catch((error) => { failure ??= error; });

self.onmessage = async ({ data }) => {
  if (data !== null) {
    // Not awaited: chunks queue in the stream while the compressor works through the earlier ones.
    writer.write(data).catch((error) => { failure ??= error; });
    return;
  }
  try {
    await writer.close();
    const stream = await compressed;
    self.postMessage({ stream }, [stream]);
  } catch (error) {
    self.postMessage({ error: String(failure ?? error) });
  }
};
