import { crc32, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decide } from '../statistics/decide.js';
import { pairedBootstrap } from '../statistics/pairedBootstrap.js';
import { renderValidationHtml, renderValidationPng, type ValidationReport } from './report.js';
import { aucMetric } from '../statistics/resampledMetrics.js';
import { scoredPair } from '../statistics/testkit.js';
import { niceTicks } from './validationChart.js';

function sampleReport(): ValidationReport {
  const data = scoredPair({ n: 800, prevalence: 0.1, seed: 21, advantage: 0.4 });
  const r = pairedBootstrap({ ...data, metric: aucMetric, B: 200, seed: 4 });
  const decision = decide({ ...r, test: 'paired-bootstrap', alpha: 0.05, minEffect: 0.002 });
  return { metric: 'ROC AUC', champion: 'model <v3>', candidate: 'model v4', test: 'paired-bootstrap', a: r.a, b: r.b, meanDiff: r.meanDiff, ci: r.ci, alpha: 0.05, decision };
}

interface Chunk {
  type: string;
  data: Buffer;
  crcOk: boolean;
}

function readChunks(png: Buffer): Chunk[] {
  const chunks: Chunk[] = [];
  for (let o = 8; o < png.length; ) {
    const length = png.readUInt32BE(o);
    const type = png.toString('latin1', o + 4, o + 8);
    const data = png.subarray(o + 8, o + 8 + length);
    chunks.push({ type, data, crcOk: crc32(png.subarray(o + 4, o + 8 + length)) === png.readUInt32BE(o + 8 + length) });
    o += 12 + length;
  }
  return chunks;
}

/** The RGBA pixels of 8-bit RGBA scanlines, each row's PNG filter (None, Sub, Up, Average, Paeth) undone. */
function unfilterRgba(raw: Buffer, width: number, height: number): Uint8Array {
  const stride = 4 * width;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const a = i >= 4 ? out[y * stride + i - 4] : 0;
      const b = y > 0 ? out[(y - 1) * stride + i] : 0;
      const c = i >= 4 && y > 0 ? out[(y - 1) * stride + i - 4] : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][filter];
      if (predictor === undefined) throw new Error(`row ${y}: unknown PNG filter ${filter}`);
      out[y * stride + i] = (raw[y * (stride + 1) + 1 + i] + predictor) & 0xff;
    }
  }
  return out;
}

/** Pixels in rows [top, bottom) that are not white. */
function inkIn(rgba: Uint8Array, width: number, top: number, bottom: number): number {
  let ink = 0;
  for (let y = top; y < bottom; y++) {
    for (let x = 0; x < width; x++) {
      const i = 4 * (y * width + x);
      if (rgba[i] !== 255 || rgba[i + 1] !== 255 || rgba[i + 2] !== 255) ink++;
    }
  }
  return ink;
}

describe('validation > report', () => {
  const report = sampleReport();

  it('renders a PNG that decodes: signature, IHDR size, CRCs and IDAT inflating to the expected size', () => {
    const png = renderValidationPng(report);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const chunks = readChunks(png);
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    for (const c of chunks) expect(c.crcOk).toBe(true);
    const ihdr = chunks[0].data;
    const width = ihdr.readUInt32BE(0);
    const height = ihdr.readUInt32BE(4);
    expect([width, height, ihdr[8], ihdr[9]]).toEqual([760, 440, 8, 6]);
    const raw = inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data)));
    expect(raw.length).toBe(height * (1 + 4 * width));
    // Something was drawn: not every pixel is white.
    const rgba = unfilterRgba(raw, width, height);
    expect(inkIn(rgba, width, 0, height)).toBeGreaterThan(5000);
  });

  it('draws the text of the chart in the PNG: the title band above the plot has ink only from its letters', () => {
    const png = renderValidationPng(report);
    const chunks = readChunks(png);
    const rgba = unfilterRgba(inflateSync(Buffer.concat(chunks.filter((c) => c.type === 'IDAT').map((c) => c.data))), 760, 440);
    // The title "ROC AUC: MODEL <V3> VS MODEL V4" sits in rows 14..28; no box, line or tick reaches above row 40.
    expect(inkIn(rgba, 760, 0, 40)).toBeGreaterThan(300);
    // The decision line (y 362..376) is drawn in the decision's colour: green to promote, red to keep.
    const [r, g, b] = report.decision.promote ? [47, 133, 90] : [180, 50, 50];
    let coloured = 0;
    for (let y = 356; y < 384; y++) {
      for (let x = 0; x < 760; x++) {
        const i = 4 * (y * 760 + x);
        if (Math.abs(rgba[i] - r) + Math.abs(rgba[i + 1] - g) + Math.abs(rgba[i + 2] - b) < 40) coloured++;
      }
    }
    expect(coloured).toBeGreaterThan(100);
  });

  it('renders self-contained HTML with the SVG chart, the decision and the numbers', () => {
    const html = renderValidationHtml(report);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html.match(/<rect /g)!.length).toBeGreaterThanOrEqual(5);
    expect(html).toContain(report.decision.code);
    expect(html).toContain(`P = ${report.decision.pValue.toFixed(4)}`);
    expect(html).toContain(report.ci[0].toFixed(6));
    expect(html).toContain(report.meanDiff.toFixed(6));
    expect(html).toContain('model &lt;v3&gt;');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toContain('<script');
  });

  it('chooses round axis ticks', () => {
    expect(niceTicks(0.7, 0.86)).toEqual([0.7, 0.75, 0.8, 0.85].map((v) => expect.closeTo(v, 12)));
    expect(niceTicks(-0.01, 0.04)).toEqual([-0.01, 0, 0.01, 0.02, 0.03, 0.04].map((v) => expect.closeTo(v, 12)));
  });
});
