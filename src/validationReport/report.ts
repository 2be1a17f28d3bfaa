/**
 * The validation report for people: a self-contained HTML page (inline SVG, inline CSS, no external assets)
 * and a PNG of the same chart. The SVG is drawn from validationChart's shapes; the PNG is that SVG rendered
 * by resvg with the DejaVu Sans Mono font shipped by the `dejavu-fonts-ttf` package, not the system's fonts,
 * so the picture is the same on a desktop, in CI and in the slim container image (which has no fonts).
 * Pure functions returning the document; writeValidationReport is the only one that touches the file system.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import { CHART_HEIGHT, CHART_WIDTH, chartShapes, formatP, type Color, type Shape, type ValidationReport } from './validationChart.js';

export type { ValidationReport } from './validationChart.js';

const CHART_FONT_FILE = createRequire(import.meta.url).resolve('dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf');
const CHART_FONT_FAMILY = 'DejaVu Sans Mono';

/**
 * HTML page with the chart as inline SVG, the decision, the p-value and the numbers behind the chart.
 *
 * @example
 * await writeFile('validation.html', renderValidationHtml(report));
 */
export function renderValidationHtml(report: ValidationReport): string {
  const d = report.decision;
  const svg = renderSvg(chartShapes(report));
  const rows: [string, string][] = [
    ['Metric', report.metric],
    ['Champion', report.champion],
    ['Candidate', report.candidate],
    ['Test', report.test],
    ['Decision', `${d.promote ? 'promote' : 'keep the champion'} (${d.code})`],
    ['p-value', formatP(d.pValue)],
    ['Difference (candidate − champion)', Number.isNaN(report.meanDiff) ? 'n/a' : report.meanDiff.toFixed(6)],
    [`${Math.round((1 - report.alpha) * 1000) / 10}% interval of the difference`, `[${report.ci[0].toFixed(6)}, ${report.ci[1].toFixed(6)}]`],
    ['Bootstrap replicates', String(report.a.length)],
    ['alpha', String(report.alpha)],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(`Validation: ${report.candidate} vs ${report.champion}`)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 24px; color: #212529; }
.decision { font-size: 1.2em; font-weight: 600; color: ${d.promote ? '#2f855a' : '#b43232'}; }
table { border-collapse: collapse; margin-top: 16px; }
td { padding: 4px 12px; border-bottom: 1px solid #dee2e6; }
td:first-child { color: #6c757d; }
</style>
</head>
<body>
<h1>${escapeHtml(report.metric)}: ${escapeHtml(report.candidate)} vs ${escapeHtml(report.champion)}</h1>
<p class="decision" data-code="${d.code}">${escapeHtml(d.reason)}</p>
${svg}
<table>
${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
</body>
</html>
`;
}

/** PNG of the chart (RGBA, 760×440): the HTML report's SVG, rendered. */
export function renderValidationPng(report: ValidationReport): Buffer {
  const resvg = new Resvg(renderSvg(chartShapes(report)), {
    fitTo: { mode: 'original' },
    font: { loadSystemFonts: false, fontFiles: [CHART_FONT_FILE], defaultFontFamily: CHART_FONT_FAMILY, monospaceFamily: CHART_FONT_FAMILY },
  });
  return resvg.render().asPng();
}

/** Writes `<base>.html` and `<base>.png`. */
export async function writeValidationReport(report: ValidationReport, base: string): Promise<void> {
  await writeFile(`${base}.html`, renderValidationHtml(report), 'utf8');
  await writeFile(`${base}.png`, renderValidationPng(report));
}

function renderSvg(shapes: Shape[]): string {
  const body = shapes.map((s) => {
    if (s.kind === 'rect') return `<rect x="${r(s.x)}" y="${r(s.y)}" width="${r(s.w)}" height="${r(s.h)}" fill="${rgb(s.fill)}"/>`;
    if (s.kind === 'line') {
      return `<line x1="${r(s.x1)}" y1="${r(s.y1)}" x2="${r(s.x2)}" y2="${r(s.y2)}" stroke="${rgb(s.color)}" stroke-width="${s.width}"/>`;
    }
    // The layout's y is the top of a 7·size pixel glyph box; SVG places text by its baseline.
    const size = 7 * s.size;
    return `<text x="${r(s.x)}" y="${r(s.y + size)}" font-size="${r(size * 1.35)}" text-anchor="${s.anchor}" fill="${rgb(s.color)}">${escapeHtml(s.text)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${CHART_WIDTH}" height="${CHART_HEIGHT}" viewBox="0 0 ${CHART_WIDTH} ${CHART_HEIGHT}" font-family="monospace" role="img">
<rect width="100%" height="100%" fill="#ffffff"/>
${body.join('\n')}
</svg>`;
}

function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

function rgb([red, green, blue]: Color): string {
  return `rgb(${red},${green},${blue})`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
