// A small RGB raster: rectangles (opaque or blended), lines, dots and bitmap-font text. Enough
// for the incident picture without a graphics dependency or a browser where the bot runs.
import { ADVANCE, glyph, textWidth } from './font.js';
import { encodePng } from './png.js';

export type Rgb = readonly [number, number, number];

export class Canvas {
  readonly pixels: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.pixels = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Sets one pixel, blended over what is there when alpha < 1; outside the canvas is ignored. */
  plot(x: number, y: number, c: Rgb, alpha = 1): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = (py * this.width + px) * 3;
    for (let k = 0; k < 3; k++) {
      const old = this.pixels[i + k] as number;
      this.pixels[i + k] = Math.round(old + ((c[k] as number) - old) * alpha);
    }
  }

  fillRect(x: number, y: number, w: number, h: number, c: Rgb, alpha = 1): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.plot(px, py, c, alpha);
  }

  /** A line `thickness` pixels wide; `dash` draws on/off runs of that many pixels. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, thickness = 1, dash = 0): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    const half = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      if (dash > 0 && Math.floor(s / dash) % 2 === 1) continue;
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      for (let dx = -half; dx <= half; dx++)
        for (let dy = -half; dy <= half; dy++) this.plot(x + dx, y + dy, c);
    }
  }

  dot(x: number, y: number, radius: number, c: Rgb): void {
    for (let dy = -radius; dy <= radius; dy++)
      for (let dx = -radius; dx <= radius; dx++)
        if (dx * dx + dy * dy <= radius * radius + radius) this.plot(x + dx, y + dy, c);
  }

  /** Text with its top-left at (x, y); `align` places x at the start, middle or end. */
  text(
    x: number,
    y: number,
    s: string,
    c: Rgb,
    opts: { scale?: number; align?: 'start' | 'middle' | 'end'; maxWidth?: number } = {},
  ): number {
    const scale = opts.scale ?? 1;
    let shown = s;
    if (opts.maxWidth !== undefined && textWidth(shown, scale) > opts.maxWidth) {
      const fit = Math.max(0, Math.floor(opts.maxWidth / (ADVANCE * scale)) - 3);
      shown = `${shown.slice(0, fit)}...`;
    }
    const w = textWidth(shown, scale);
    const left = opts.align === 'middle' ? x - w / 2 : opts.align === 'end' ? x - w : x;
    [...shown].forEach((ch, i) => {
      for (const [gx, gy] of glyph(ch))
        this.fillRect(left + i * ADVANCE * scale + gx * scale, y + gy * scale, scale, scale, c);
    });
    return w;
  }

  png(): Buffer {
    return encodePng(this.width, this.height, this.pixels);
  }
}
