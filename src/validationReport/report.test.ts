import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decide } from '../statistics/decide.js';
import { pairedBootstrap } from '../statistics/pairedBootstrap.js';
import { crc32, encodePng } from './png.js';
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
    let ink = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) if (raw[y * (1 + 4 * width) + 1 + 4 * x] !== 255) ink++;
    }
    expect(ink).toBeGreaterThan(5000);
  });

  it('computes the CRC-32 check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(RangeError);
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
