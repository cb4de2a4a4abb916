import { crc32, inflateSync } from 'node:zlib';

// A small PNG reader for checking downloads: signature, chunk CRCs, IHDR, and all five row
// filters. It accepts only what Cutout must produce, 8-bit non-interlaced RGBA.

const SIGNATURE = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
const RGBA = 6;
const BYTES_PER_PIXEL = 4;

export interface RgbaImage {
  width: number;
  height: number;
  pixels: Uint8Array; // RGBA, row after row
}

function paeth(left: number, up: number, upLeft: number): number {
  const estimate = left + up - upLeft;
  const toLeft = Math.abs(estimate - left);
  const toUp = Math.abs(estimate - up);
  const toUpLeft = Math.abs(estimate - upLeft);
  if (toLeft <= toUp && toLeft <= toUpLeft) return left;
  return toUp <= toUpLeft ? up : upLeft;
}

function unfilter(raw: Buffer, width: number, height: number): Uint8Array {
  const stride = width * BYTES_PER_PIXEL;
  if (raw.length !== height * (stride + 1)) throw new Error(`IDAT inflates to ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const pixels = new Uint8Array(height * stride);
  const noRow = new Uint8Array(stride);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const previous = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : noRow;
    for (let x = 0; x < stride; x += 1) {
      const left = x >= BYTES_PER_PIXEL ? row[x - BYTES_PER_PIXEL] : 0;
      const up = previous[x];
      const upLeft = x >= BYTES_PER_PIXEL ? previous[x - BYTES_PER_PIXEL] : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter];
      if (predictor === undefined) throw new Error(`row ${y} has unknown filter type ${filter}`);
      row[x] = (line[x] + predictor) & 0xff;
    }
  }
  return pixels;
}

export function readRgbaPng(file: Buffer): RgbaImage {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG: the signature is wrong');
  let header: { width: number; height: number; bitDepth: number; colourType: number; interlace: number } | undefined;
  const compressed: Buffer[] = [];
  for (let offset = 8; offset < file.length;) {
    const length = file.readUInt32BE(offset);
    const typeAndData = file.subarray(offset + 4, offset + 8 + length);
    const type = typeAndData.subarray(0, 4).toString('latin1');
    const data = typeAndData.subarray(4);
    if (crc32(typeAndData) !== file.readUInt32BE(offset + 8 + length)) throw new Error(`${type} chunk has a bad CRC`);
    if (type === 'IHDR') {
      header = { width: data.readUInt32BE(0), height: data.readUInt32BE(4), bitDepth: data[8], colourType: data[9], interlace: data[12] };
    } else if (type === 'IDAT') {
      compressed.push(data);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  if (!header) throw new Error('PNG has no IHDR chunk');
  const { width, height, bitDepth, colourType, interlace } = header;
  if (bitDepth !== 8 || colourType !== RGBA || interlace !== 0) {
    throw new Error(`expected 8-bit RGBA, non-interlaced; got bit depth ${bitDepth}, colour type ${colourType}, interlace ${interlace}`);
  }
  return { width, height, pixels: unfilter(inflateSync(Buffer.concat(compressed)), width, height) };
}

export function alphaHistogram({ pixels }: RgbaImage): number[] {
  const counts = new Array<number>(256).fill(0);
  for (let i = 3; i < pixels.length; i += BYTES_PER_PIXEL) counts[pixels[i]] += 1;
  return counts;
}
