// The two servers the tests run against, both serving the same dist/ (see playwright.config.ts).
// CUTOUT_E2E_PORT moves both, so two checkouts can run their tests side by side.

const APP_PORT = Number(process.env.CUTOUT_E2E_PORT ?? 8765);

// scripts/serve.py: COOP/COEP/CSP headers, as a well-configured host sends them.
export const APP_URL = `http://127.0.0.1:${APP_PORT}/`;
// A host that can set no headers at all: isolation there comes from the service worker alone.
export const PLAIN_HOST_URL = `http://127.0.0.1:${APP_PORT + 1}/`;
// The app's files as the first, counting each download (tests/e2e/counting_server.py).
export const COUNTING_HOST_URL = `http://127.0.0.1:${APP_PORT + 2}/`;
