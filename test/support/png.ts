// Reads a PNG back for assertions: checks the signature and every chunk's CRC, inflates the
// image data and undoes the row filters (all five), giving RGB(A) pixels. 8-bit truecolour
// (with or without alpha) only: what kubemedic and Chromium write.
import { inflateSync } from 'node:zlib';
import { PLOT_TOP, seriesLegendTop } from '../../src/picture/incident.js';
import { PNG_SIGNATURE, crc32 } from '../../src/picture/png.js';

export interface DecodedPng {
  width: number;
  height: number;
  channels: 3 | 4;
  pixels: Buffer;
  chunks: string[];
}

export function decodePng(png: Buffer): DecodedPng {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG: bad signature');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0;
  let height = 0;
  let channels: 3 | 4 = 3;
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('ascii', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const crc = png.readUInt32BE(at + 8 + length);
    if (crc !== crc32(png.subarray(at + 4, at + 8 + length))) throw new Error(`bad CRC in ${type}`);
    chunks.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || (data[9] !== 2 && data[9] !== 6) || data[12] !== 0)
        throw new Error(
          `unsupported PNG: depth ${data[8]}, colour ${data[9]}, interlace ${data[12]}`,
        );
      channels = data[9] === 6 ? 4 : 3;
    }
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i] as number;
      const a = i >= channels ? (pixels[y * stride + i - channels] as number) : 0;
      const b = y > 0 ? (pixels[(y - 1) * stride + i] as number) : 0;
      const c = y > 0 && i >= channels ? (pixels[(y - 1) * stride + i - channels] as number) : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      } else throw new Error(`bad filter ${filter} on row ${y}`);
      pixels[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, channels, pixels, chunks };
}

/** How many pixels have exactly this colour, in rows [fromRow, toRow) (legends left out). */
export function countColour(
  png: DecodedPng,
  rgb: readonly [number, number, number],
  rows: [number, number] = [0, png.height],
): number {
  let n = 0;
  const end = Math.min(rows[1], png.height) * png.width * png.channels;
  for (let i = rows[0] * png.width * png.channels; i < end; i += png.channels)
    if (png.pixels[i] === rgb[0] && png.pixels[i + 1] === rgb[1] && png.pixels[i + 2] === rgb[2])
      n++;
  return n;
}

/** Distinct colours in the picture (a blank one has one). */
export function colours(png: DecodedPng): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.pixels.length; i += png.channels)
    seen.add(
      ((png.pixels[i] as number) << 16) |
        ((png.pixels[i + 1] as number) << 8) |
        (png.pixels[i + 2] as number),
    );
  return seen.size;
}

/**
 * Pixels of this colour in an incident picture's plot: below its title and legend, above the
 * series legend of its `series` graphed series (legend swatches would count otherwise).
 */
export function inPlot(
  png: DecodedPng,
  rgb: readonly [number, number, number],
  series = 0,
): number {
  const bottom = series > 0 ? seriesLegendTop(png.height, series) : png.height;
  return countColour(png, rgb, [PLOT_TOP, bottom]);
}
