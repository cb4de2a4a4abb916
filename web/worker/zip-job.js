// The "Download all" job: py/cutout/browser.py `zip_batch` packs the batch's cutouts under their
// original base names, with FAILED.txt listing the files that failed and why.

import { bootPython } from './python.js';

/** `job`: { entries: [{ name, data: ArrayBuffer | null, error }], extension }; replies { zip: ArrayBuffer }. */
export async function runZipJob({ entries, extension }, post) {
  post({ type: 'event', event: { type: 'state', state: 'zipping', stage: 'packing the ZIP' } });
  const browser = await bootPython({}, {});
  const zip = browser.zip_batch(
    entries.map(({ name, data, error }) => ({ name, data: new Uint8Array(data ?? 0), error: error ?? '' })),
    extension,
  );
  post({ type: 'result', result: { zip: zip.buffer } }, [zip.buffer]);
}
