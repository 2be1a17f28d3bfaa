/**
 * Small builders for preparation tests: raw files in the course format written row by row, so each test states
 * exactly which defects it contains.
 */
import { COURSE_HEADER, RAW_COLUMNS } from '../quality.js';

export interface RawRow {
  id: number | string;
  datetime?: string;
  customer?: number | string;
  terminal?: number | string;
  amount?: number | string;
  seconds?: number | string;
  days?: number | string;
  fraud?: number | string;
  scenario?: number | string;
}

const START = Date.UTC(2019, 7, 22);

/** A row consistent with itself: datetime, seconds and days agree. `secs` defaults from the id. */
export function rawLine(r: RawRow): string {
  const secs = typeof r.seconds === 'number' ? r.seconds : 3600 + Math.floor(Number(r.id)) * 7;
  const dt = r.datetime ?? new Date(START + secs * 1000).toISOString().replace('T', ' ').slice(0, 19);
  const fields = [
    r.id,
    dt,
    r.customer ?? 17,
    r.terminal ?? 42,
    r.amount ?? '12.34',
    r.seconds ?? secs,
    r.days ?? Math.floor(secs / 86400),
    r.fraud ?? 0,
    r.scenario ?? 0,
  ];
  return fields.map(String).join(',');
}

export function courseFile(rows: Array<RawRow | string>, options: { header?: 'course' | 'csv' | 'none'; eol?: string; finalNewline?: boolean } = {}): string {
  const eol = options.eol ?? '\n';
  const header = options.header ?? 'course';
  const lines = rows.map((r) => (typeof r === 'string' ? r : rawLine(r)));
  if (header === 'course') lines.unshift(COURSE_HEADER);
  if (header === 'csv') lines.unshift(RAW_COLUMNS.join(','));
  return lines.join(eol) + (options.finalNewline === false ? '' : eol);
}
