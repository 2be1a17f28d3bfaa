/**
 * Plain-text tables for bench output: right-aligned numbers, a ratio column against a reference row measured in
 * the same run, and the goal lines that say whether a ratio meets its target.
 */

export type Cell = string | number | null | undefined;

export interface Column {
  title: string;
  /** Numbers align right by default; text left. */
  align?: 'left' | 'right';
}

export function formatTable(columns: Column[], rows: Cell[][]): string {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...text.map((r) => r[i].length)));
  const alignOf = (i: number): 'left' | 'right' => columns[i].align ?? (i === 0 ? 'left' : 'right');
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (alignOf(i) === 'left' ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(columns.map((c) => c.title)), rule, ...text.map(line)].join('\n');
}

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '-';
  return typeof cell === 'number' ? String(cell) : cell;
}

/** `6.3×`; a ratio is always "this row divided by the reference row". */
export function formatRatio(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '-';
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2)}×`;
}

export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined) return '-';
  return s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2);
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** `20.4M`, `3.1k`: for row counts and rates. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
