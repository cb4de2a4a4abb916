// The two servers the tests run against, both serving the same dist/ (see playwright.config.ts).

// scripts/serve.py: COOP/COEP/CSP headers, as a well-configured host sends them.
export const APP_URL = 'http://127.0.0.1:8765/';
// A host that can set no headers at all: isolation there comes from the service worker alone.
export const PLAIN_HOST_URL = 'http://127.0.0.1:8766/';
