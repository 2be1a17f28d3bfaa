/**
 * A tiny RGBA canvas for the PNG chart: filled rectangles, straight lines of a given width and 5×7 bitmap
 * text scaled by an integer factor. Enough to draw the shapes of validationChart, nothing more.
 */
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH } from './bitmapFont.js';

export type Rgb = [number, number, number];

export class Raster {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb = [255, 255, 255]) {
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([...background, 255], i * 4);
  }

  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.setPixel(px, py, color);
    }
  }

  /** A line `width` pixels thick: square brush stamped along the longer axis. */
  line(x1: number, y1: number, x2: number, y2: number, color: Rgb, width = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x2 - x1), Math.abs(y2 - y1))));
    const half = (width - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x1 + ((x2 - x1) * s) / steps;
      const y = y1 + ((y2 - y1) * s) / steps;
      this.fillRect(x - half, y - half, width, width, color);
    }
  }

  /** Text with its baseline box starting at (x, y) top-left; `anchor` aligns it horizontally. */
  text(x: number, y: number, s: string, color: Rgb, scale = 1, anchor: 'start' | 'middle' | 'end' = 'start'): void {
    const advance = (GLYPH_WIDTH + 1) * scale;
    const total = s.length * advance - scale;
    let cx = anchor === 'start' ? x : anchor === 'middle' ? x - total / 2 : x - total;
    cx = Math.round(cx);
    const cy = Math.round(y);
    for (const ch of s) {
      const bits = glyph(ch);
      if (bits !== undefined) {
        for (let gy = 0; gy < GLYPH_HEIGHT; gy++) {
          for (let gx = 0; gx < GLYPH_WIDTH; gx++) {
            if (bits[gy * GLYPH_WIDTH + gx]) this.fillRect(cx + gx * scale, cy + gy * scale, scale, scale, color);
          }
        }
      }
      cx += advance;
    }
  }

  private setPixel(x: number, y: number, [r, g, b]: Rgb): void {
    const i = (y * this.width + x) * 4;
    this.data[i] = r;
    this.data[i + 1] = g;
    this.data[i + 2] = b;
    this.data[i + 3] = 255;
  }
}
