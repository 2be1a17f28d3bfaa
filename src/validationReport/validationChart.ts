/**
 * The layout of the validation chart as plain shapes (rectangles, lines, texts in pixel coordinates), written
 * out as the SVG of the HTML report, which is also rendered to the PNG, so the two always agree.
 * Top: box plots of the champion's and the candidate's bootstrap metric (box = quartiles, whiskers = 2.5% and
 * 97.5% percentiles, dot = mean). Bottom: the confidence interval of the difference against zero. Text is laid
 * out for a monospaced font; a text's y is the top of its glyph box, 7·size pixels high.
 */
import type { Decision, ValidationTest } from '../statistics/decide.js';
import { meanOf, quantileSorted } from '../statistics/replicateTools.js';

export type Color = [number, number, number];

export type Shape =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill: Color }
  | { kind: 'line'; x1: number; y1: number; x2: number; y2: number; color: Color; width: number }
  | { kind: 'text'; x: number; y: number; text: string; size: number; anchor: 'start' | 'middle' | 'end'; color: Color };

/** Everything the report shows; the replicate arrays come from pairedBootstrap (or any bootstrap). */
export interface ValidationReport {
  /** Metric name, e.g. "ROC AUC". */
  metric: string;
  champion: string;
  candidate: string;
  test: ValidationTest;
  /** Champion metric per bootstrap replicate. */
  a: Float64Array;
  /** Candidate metric per bootstrap replicate. */
  b: Float64Array;
  /** Estimated candidate − champion. */
  meanDiff: number;
  /** Confidence interval of the difference, at level 1 − alpha. */
  ci: [number, number];
  alpha: number;
  decision: Decision;
}

export interface BoxStats {
  p025: number;
  q1: number;
  median: number;
  q3: number;
  p975: number;
  mean: number;
}

export const CHART_WIDTH = 760;
export const CHART_HEIGHT = 440;

const INK: Color = [33, 37, 41];
const GRID: Color = [206, 212, 218];
const CHAMPION: Color = [108, 142, 191];
const CANDIDATE: Color = [230, 145, 56];
const PROMOTE: Color = [47, 133, 90];
const KEEP: Color = [180, 50, 50];
const PLOT_LEFT = 170;
const PLOT_RIGHT = 730;

export function boxStats(values: Float64Array): BoxStats {
  const s = Float64Array.from(values).sort();
  return {
    p025: quantileSorted(s, 0.025),
    q1: quantileSorted(s, 0.25),
    median: quantileSorted(s, 0.5),
    q3: quantileSorted(s, 0.75),
    p975: quantileSorted(s, 0.975),
    mean: meanOf(values),
  };
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const first = Math.ceil(lo / step) * step;
  // A range only a few ulps wide (replicates all at 1 − ε and 1) has a step below the values' resolution:
  // adding it would never move past `hi`.
  if (first + step === first) return [lo];
  const ticks: number[] = [];
  for (let v = first; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

/** Tick label with just enough decimals for the step. */
function tickLabel(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? ticks[1] - ticks[0] : Math.abs(v) || 1;
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9) + (step / 10 ** Math.floor(Math.log10(step)) === 2.5 ? 1 : 0)));
  return v.toFixed(decimals);
}

export function formatP(p: number): string {
  if (Number.isNaN(p)) return 'n/a';
  return p < 1e-4 ? p.toExponential(2) : p.toFixed(4);
}

export function chartShapes(report: ValidationReport): Shape[] {
  const shapes: Shape[] = [];
  const text = (x: number, y: number, s: string, size: number, anchor: 'start' | 'middle' | 'end' = 'start', color = INK) =>
    shapes.push({ kind: 'text', x, y, text: s, size, anchor, color });
  const line = (x1: number, y1: number, x2: number, y2: number, color = INK, width = 1) =>
    shapes.push({ kind: 'line', x1, y1, x2, y2, color, width });

  text(CHART_WIDTH / 2, 14, `${report.metric}: ${report.champion} vs ${report.candidate}`.toUpperCase(), 2, 'middle');

  // Box plots on a shared axis.
  const stats = [boxStats(report.a), boxStats(report.b)];
  const lo = Math.min(stats[0].p025, stats[1].p025);
  const hi = Math.max(stats[0].p975, stats[1].p975);
  const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.01 || 0.01;
  const axis = axisScale(lo - pad, hi + pad);
  const rows: [string, BoxStats, Color, number][] = [
    [`CHAMPION`, stats[0], CHAMPION, 80],
    [`CANDIDATE`, stats[1], CANDIDATE, 150],
  ];
  for (const [label, s, color, y] of rows) {
    text(PLOT_LEFT - 12, y - 7, label, 2, 'end');
    line(axis.x(s.p025), y, axis.x(s.q1), y, INK, 2);
    line(axis.x(s.q3), y, axis.x(s.p975), y, INK, 2);
    line(axis.x(s.p025), y - 10, axis.x(s.p025), y + 10, INK, 2);
    line(axis.x(s.p975), y - 10, axis.x(s.p975), y + 10, INK, 2);
    shapes.push({ kind: 'rect', x: axis.x(s.q1), y: y - 20, w: Math.max(2, axis.x(s.q3) - axis.x(s.q1)), h: 40, fill: color });
    line(axis.x(s.median), y - 20, axis.x(s.median), y + 20, INK, 3);
    shapes.push({ kind: 'rect', x: axis.x(s.mean) - 4, y: y - 4, w: 8, h: 8, fill: [255, 255, 255] });
  }
  drawAxis(shapes, axis, 200);

  // Difference and its confidence interval against zero.
  const level = Math.round((1 - report.alpha) * 1000) / 10;
  text(PLOT_LEFT - 12, 252, 'B - A', 2, 'end');
  text(PLOT_LEFT - 12, 272, `${level}% CI`, 1, 'end');
  const [ciLo, ciHi] = report.ci;
  const dLo = Math.min(ciLo, report.meanDiff, 0);
  const dHi = Math.max(ciHi, report.meanDiff, 0);
  const dPad = (dHi - dLo) * 0.1 || 0.01;
  const diffAxis = axisScale(dLo - dPad, dHi + dPad);
  line(diffAxis.x(0), 230, diffAxis.x(0), 290, KEEP, 2);
  shapes.push({ kind: 'rect', x: diffAxis.x(ciLo), y: 252, w: Math.max(2, diffAxis.x(ciHi) - diffAxis.x(ciLo)), h: 16, fill: CANDIDATE });
  line(diffAxis.x(report.meanDiff), 244, diffAxis.x(report.meanDiff), 276, INK, 3);
  drawAxis(shapes, diffAxis, 300);

  // Decision.
  const d = report.decision;
  const verdict = d.promote ? 'PROMOTE' : 'KEEP CHAMPION';
  text(24, 362, `${verdict}: ${d.code}`, 2, 'start', d.promote ? PROMOTE : KEEP);
  text(
    24,
    392,
    `TEST ${report.test}   P = ${formatP(d.pValue)}   DIFF = ${Number.isNaN(report.meanDiff) ? 'n/a' : report.meanDiff.toFixed(5)}   ` +
      `CI [${ciLo.toFixed(5)}, ${ciHi.toFixed(5)}]`,
    1,
  );
  text(24, 412, `REPLICATES ${report.a.length}   ALPHA ${report.alpha}`, 1);
  return shapes;
}

interface Axis {
  lo: number;
  hi: number;
  x: (v: number) => number;
}

function axisScale(lo: number, hi: number): Axis {
  const span = hi - lo || 1;
  return { lo, hi, x: (v) => PLOT_LEFT + ((v - lo) / span) * (PLOT_RIGHT - PLOT_LEFT) };
}

function drawAxis(shapes: Shape[], axis: Axis, y: number): void {
  shapes.push({ kind: 'line', x1: PLOT_LEFT, y1: y, x2: PLOT_RIGHT, y2: y, color: INK, width: 1 });
  const ticks = niceTicks(axis.lo, axis.hi);
  for (const t of ticks) {
    const x = axis.x(t);
    shapes.push({ kind: 'line', x1: x, y1: y, x2: x, y2: y + 6, color: INK, width: 1 });
    shapes.push({ kind: 'line', x1: x, y1: y - 150 < 30 ? 30 : y - 8, x2: x, y2: y - 2, color: GRID, width: 1 });
    shapes.push({ kind: 'text', x, y: y + 10, text: tickLabel(t, ticks), size: 1, anchor: 'middle', color: INK });
  }
}
