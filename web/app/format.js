// Numbers as people read them, shared by every panel so sizes and times look alike everywhere.

export function formatBytes(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(0)} kB`;
  // Storage quotas run to many gigabytes; models and downloads to megabytes.
  const [size, unit] = bytes < 1_000_000_000 ? [bytes / 1_000_000, 'MB'] : [bytes / 1_000_000_000, 'GB'];
  return `${size < 100 ? size.toFixed(1) : size.toFixed(0)} ${unit}`;
}

export function formatSeconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

// backend names as in the worker protocol: 'webgpu' | 'wasm-mt' | 'wasm-st'
export function describeBackend(backend, threads) {
  if (backend === 'webgpu') return 'WebGPU';
  if (backend === 'wasm-mt') return `WASM × ${threads} threads`;
  return 'WASM, 1 thread';
}

// Engine messages start in lower case ("refining edges"); shown alone they read as sentences.
export function sentenceCase(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
