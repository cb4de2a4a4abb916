import { defineConfig } from '@playwright/test';
import { APP_URL, COUNTING_HOST_URL, PLAIN_HOST_URL } from './tests/e2e/hosts';

// End-to-end tests of the built site (dist/, made by `make build`) in Debian's Chromium.
// Never `npx playwright install`: the browser is /usr/bin/chromium from apt.

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps dialling Google hosts this machine cannot reach.
const QUIET_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'tests/e2e',
  globalSetup: './tests/e2e/global-setup.ts',
  // Two cores: one browser at a time, or inference timings double and tests flake.
  workers: 1,
  fullyParallel: false,
  // Pyodide boots in ~3 s per job, Best inference takes 7–13 s on WASM here, WebGPU on SwiftShader far longer.
  timeout: 300_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: APP_URL,
    acceptDownloads: true,
    // No traces: they would record every model and runtime download (over 100 MB a test).
    screenshot: 'only-on-failure',
  },
  webServer: [
    {
      command: `python3 scripts/serve.py --port ${new URL(APP_URL).port} --no-build`,
      url: APP_URL,
      reuseExistingServer: false, // never test whatever else happens to listen there
      timeout: 60_000,
    },
    {
      command: `python3 -m http.server ${new URL(PLAIN_HOST_URL).port} --bind 127.0.0.1 --directory dist`,
      url: PLAIN_HOST_URL,
      stderr: 'ignore', // its access log
      reuseExistingServer: false, // never test whatever else happens to listen there
      timeout: 60_000,
    },
    {
      command: `python3 tests/e2e/counting_server.py ${new URL(COUNTING_HOST_URL).port}`,
      url: COUNTING_HOST_URL,
      reuseExistingServer: false, // never test whatever else happens to listen there
      timeout: 60_000,
    },
  ],
  projects: [
    {
      name: 'wasm',
      testIgnore: /webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: CHROMIUM, args: [...QUIET_CHROMIUM_ARGS, '--disable-gpu'] } },
    },
    {
      // Chromium offers its SwiftShader WebGPU adapter only with this flag (and without --disable-gpu).
      name: 'webgpu',
      testMatch: /webgpu\.spec\.ts/,
      use: { launchOptions: { executablePath: CHROMIUM, args: [...QUIET_CHROMIUM_ARGS, '--enable-unsafe-webgpu'] } },
    },
  ],
});
