/** Turns a stage's report into the human table: wall time, throughput, peak RSS and the ratio to ours. */
import type { BenchCheck, BenchReport } from './stage.js';
import { formatBytes, formatCount, formatRatio, formatSeconds, formatTable } from './table.js';

export function formatReport(report: BenchReport): string {
  const ref = report.rows.find((r) => r.name === report.reference)?.wallSeconds ?? null;
  const table = formatTable(
    [
      { title: 'measurement' },
      { title: 'wall s' },
      { title: 'rows/s' },
      { title: 'MiB/s' },
      { title: 'peak RSS' },
      { title: `time ÷ ${report.reference}` },
      { title: 'note', align: 'left' },
    ],
    report.rows.map((r) => [
      r.name,
      formatSeconds(r.wallSeconds),
      r.rows && r.wallSeconds ? formatCount(r.rows / r.wallSeconds) : null,
      r.bytes && r.wallSeconds ? formatRate(r.bytes / 2 ** 20 / r.wallSeconds) : null,
      r.peakRssBytes === undefined ? null : formatBytes(r.peakRssBytes),
      ref && r.wallSeconds ? formatRatio(r.wallSeconds / ref) : null,
      r.note ?? '',
    ]),
  );
  const params = Object.entries(report.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
  const lines = [`${report.stage}: ${params}`, '', table, ''];
  for (const c of report.checks) lines.push(formatCheck(c));
  if (report.notes.length) lines.push('', ...report.notes.map((n) => `note: ${n}`));
  return lines.join('\n');
}

function formatCheck(c: BenchCheck): string {
  const show = (v: number | null | undefined): string =>
    v === null || v === undefined
      ? '-'
      : c.unit === '×'
        ? formatRatio(v)
        : c.unit === 'bytes'
          ? formatBytes(v)
          : c.unit === 'ms'
            ? `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ms`
            : c.unit === 's'
              ? `${formatSeconds(v)} s${v >= 120 ? ` (${(v / 60).toFixed(0)} min)` : ''}`
              : c.unit === 'score'
              ? v.toFixed(4)
              : `${formatCount(v)} rows/s`;
  if (c.target === undefined) return `  ${c.name} = ${show(c.value)}`;
  const op = c.direction === 'atLeast' ? '≥' : '≤';
  const verdict = c.met === null || c.met === undefined ? 'n/a' : c.met ? 'MET' : 'MISSED';
  return `  ${c.name} = ${show(c.value)}   goal ${op} ${show(c.target)}   ${verdict}`;
}

function formatRate(v: number): string {
  return v >= 10 ? v.toFixed(0) : v.toFixed(1);
}
