import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real photographs from scikit-image's bundled data, written once per run by global-setup.ts
// (one folder per CUTOUT_E2E_PORT, so side-by-side runs never read a half-written file).
export const PHOTO_DIR = join(tmpdir(), `cutout-e2e-photos-${process.env.CUTOUT_E2E_PORT ?? 8765}`);
export const PHOTO_INDEX = join(PHOTO_DIR, 'photos.json');

export interface Photo {
  path: string;
  width: number;
  height: number;
}

export type PhotoName = 'astronaut' | 'coffee' | 'chelsea';

export function photo(name: PhotoName): Photo {
  return JSON.parse(readFileSync(PHOTO_INDEX, 'utf8'))[name];
}
