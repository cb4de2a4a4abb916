import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cutOut, downloadCutout, expectSoftCutout, jobWorkers, openApp, recordWorkers, test } from './app';
import { photo } from './photos';

// Runs in the 'webgpu' project only: Chromium started with --enable-unsafe-webgpu offers its
// SwiftShader adapter. No adapter is a failure here, never a skip. The app does not pick a
// software adapter by itself (slower than WASM), so the test switch ?backend=webgpu asks for it.

test.beforeEach(async ({ page }) => {
  await page.goto('/');
  const adapter = await page.evaluate(async () => {
    const found = await (navigator as any).gpu?.requestAdapter();
    return found ? `${found.info?.vendor} ${found.info?.architecture}` : null;
  });
  expect(adapter, 'Chromium must offer a WebGPU adapter (SwiftShader) with --enable-unsafe-webgpu').not.toBeNull();
});

// SwiftShader runs U²-Net-p in 140–270 s on two busy cores: a functional check, never a timing.
const SWIFTSHADER_JOB_MS = 540_000;

test('the Fast model runs on WebGPU', async ({ page }) => {
  test.setTimeout(SWIFTSHADER_JOB_MS + 60_000);
  await openApp(page, '?backend=webgpu');
  const input = photo('astronaut');
  await cutOut(page, input, 'fast', SWIFTSHADER_JOB_MS);
  await expect(page.getByTestId('result-backend')).toHaveText('WebGPU');
  await expect(page.getByTestId('backend-warning')).toBeHidden();
  expectSoftCutout((await downloadCutout(page)).bytes, input);
});

// Neither fault case runs a network on SwiftShader: the switch throws before WebGPU would.
for (const [step, when] of [['session', 'creating its session'], ['run', 'during the run']]) {
  test(`when WebGPU fails ${when}, the job completes on WASM once, says so, and later jobs skip WebGPU`, async ({ page }) => {
    await recordWorkers(page);
    await openApp(page, `?backend=webgpu&fail=webgpu-${step}`);
    const input = photo('astronaut');
    await cutOut(page, input, 'fast');
    await expect(page.getByTestId('result-backend')).toHaveText(/^WASM/);
    await expect(page.getByTestId('backend-warning')).toContainText('WebGPU failed');
    await expect(page.getByTestId('backend-warning')).toContainText(`at ${step}`);
    expect((await jobWorkers(page)).length, 'one WebGPU attempt, then one WASM job').toBe(2);
    expectSoftCutout((await downloadCutout(page)).bytes, input);

    // The page remembers: the next job goes straight to WASM and says why.
    const next = photo('coffee');
    await cutOut(page, next, 'fast');
    await expect(page.getByTestId('result-file')).toHaveText(basename(next.path));
    await expect(page.getByTestId('result-backend')).toHaveText(/^WASM/);
    await expect(page.getByTestId('backend-warning')).toContainText('WebGPU failed on this device in an earlier job');
    expect((await jobWorkers(page)).length, 'no second WebGPU attempt').toBe(3);
    expectSoftCutout((await downloadCutout(page)).bytes, next);
  });
}

// Best runs as a Winograd copy of ISNet (py/cutout/graphs/winograd.py), on WebGPU too where a GPU is
// offered; SwiftShader is far too slow for ISNet at 1024², so this is a network of its kind, small:
// two 3×3 convolutions of 64 channels at 32², float16 weights, rewritten by the same code.
const WRITE_WINOGRAD_PAIR = `
import sys, numpy as np, onnx
from onnx import TensorProto, helper, numpy_helper
from cutout.graphs import serialise, winograd
rng = np.random.default_rng(7)
nodes, weights, current = [helper.make_node("Cast", ["x"], ["h0"], to=TensorProto.FLOAT16)], [], "h0"
for i in range(2):
    weights += [numpy_helper.from_array((rng.normal(size=(64, 64, 3, 3)) / 24).astype(np.float16), f"w{i}"),
                numpy_helper.from_array(rng.normal(size=64).astype(np.float16), f"b{i}")]
    nodes += [helper.make_node("Conv", [current, f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", [f"c{i}"], [f"h{i + 1}"])]
    current = f"h{i + 1}"
nodes.append(helper.make_node("Cast", [current], ["y"], to=TensorProto.FLOAT))
graph = helper.make_graph(nodes, "two_convs", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 64, 32, 32])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, 32, 32])], initializer=weights)
original = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], ir_version=8)
rewritten = winograd.rewrite(original)
assert winograd.rewritten_count(rewritten) == 2
open(sys.argv[1] + "/original.onnx", "wb").write(serialise(original))
open(sys.argv[1] + "/winograd.onnx", "wb").write(serialise(rewritten))
`;

test('Best’s Winograd convolutions compute on WebGPU what the original graph computes on WASM', async ({ page }) => {
  const folder = mkdtempSync(join(tmpdir(), 'cutout-winograd-'));
  execFileSync('python3', ['-c', WRITE_WINOGRAD_PAIR, folder]);
  const [original, winograd] = ['original', 'winograd'].map((name) => readFileSync(join(folder, `${name}.onnx`)).toString('base64'));

  const outputs = await page.evaluate(async (files) => {
    // The app's own loader and session options, as a job worker uses them.
    const { loadOrt, sessionOptions } = await import(new URL('backends.js', location.href).href);
    const ort = await loadOrt('webgpu', new URL('vendor/ort/', location.href));
    const x = Float32Array.from({ length: 64 * 32 * 32 }, (_, i) => Math.sin(i * 0.37));
    const run = async (base64: string, backend: string) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const session = await ort.InferenceSession.create(bytes, sessionOptions(backend));
      const { y } = await session.run({ x: new ort.Tensor('float32', x, [1, 64, 32, 32]) });
      await session.release();
      return Array.from(y.data as Float32Array);
    };
    // One after the other: two providers initialising at once make one fail (web/worker/bridge.js).
    const wasm = await run(files.original, 'wasm-mt');
    return { wasm, webgpu: await run(files.winograd, 'webgpu') };
  }, { original, winograd });

  const largest = Math.max(...outputs.wasm.map(Math.abs));
  expect(largest, 'the layers produce something to compare').toBeGreaterThan(0.5);
  const differences = outputs.webgpu.map((value, i) => Math.abs(value - outputs.wasm[i]));
  // The original computes in float16: the two agree to its precision.
  expect(Math.max(...differences)).toBeLessThan(0.01 * largest);
});
