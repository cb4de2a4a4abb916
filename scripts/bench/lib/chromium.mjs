// Shared by the browser benchmarks (scripts/bench.py runs them): Debian's Chromium through
// playwright-core with the very flags of playwright.config.ts, and memory sampling of every
// Chromium process this Node process started.

import { readFileSync, readdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const ROOT = new URL('../../../', import.meta.url);
const CHROMIUM = '/usr/bin/chromium';

// The tests' launch flags are the benchmark's too: read them from playwright.config.ts so the
// two never drift apart.
function quietChromiumArgs() {
  const config = readFileSync(new URL('playwright.config.ts', ROOT), 'utf8');
  const list = config.match(/const QUIET_CHROMIUM_ARGS = \[([^\]]*)\]/);
  if (!list) throw new Error('playwright.config.ts no longer declares QUIET_CHROMIUM_ARGS');
  return [...list[1].matchAll(/'([^']+)'/g)].map((match) => match[1]);
}

/** A fresh browser (fresh profile). `webgpu` swaps --disable-gpu for SwiftShader's WebGPU. */
export function launch({ webgpu = false } = {}) {
  const gpuArgs = webgpu ? ['--enable-unsafe-webgpu'] : ['--disable-gpu'];
  return chromium.launch({ executablePath: CHROMIUM, args: [...quietChromiumArgs(), ...gpuArgs] });
}

function processTable() {
  const table = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name sits in parentheses and may hold spaces: fields follow the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.push({ pid: Number(entry), parent });
    } catch {
      // The process ended while we looked.
    }
  }
  return table;
}

function descendantsOf(root) {
  const table = processTable();
  const found = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { pid, parent } of table) {
      if (found.has(parent) && !found.has(pid)) {
        found.add(pid);
        grew = true;
      }
    }
  }
  found.delete(root);
  return [...found];
}

// Proportional set size: shared pages (the renderer's code, shared memory between ONNX Runtime's
// threads) are split between the processes sharing them, so the sum over processes is honest.
function pssBytes(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(rollup.match(/^Pss:\s+(\d+) kB/m)[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Memory (PSS, bytes) of all Chromium processes started by this Node process, summed. */
export function browserMemory() {
  return descendantsOf(process.pid).reduce((sum, pid) => sum + pssBytes(pid), 0);
}

/**
 * Samples browserMemory() every `everyMs` (reading /proc is not free on 2 cores) while `work()` runs. Returns `{ value, before, peak,
 * after }` (bytes), `value` being what `work` returned.
 */
export async function sampleMemory(work, everyMs = 500) {
  const before = browserMemory();
  let peak = before;
  const timer = setInterval(() => {
    peak = Math.max(peak, browserMemory());
  }, everyMs);
  try {
    const value = await work();
    const after = browserMemory();
    return { value, before, peak: Math.max(peak, after), after };
  } finally {
    clearInterval(timer);
  }
}

/** A page that records its console (page and workers), to explain a failed job. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const lines = [];
  page.on('console', (message) => lines.push(`page ${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => lines.push(`page error: ${error.message}`));
  page.on('worker', (worker) => worker.on('console', (message) => lines.push(`worker: ${message.text()}`)));
  page.consoleLines = lines;
  await page.goto(url);
  return page;
}
