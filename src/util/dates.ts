/**
 * Calendar days as `YYYY-MM-DD` strings (UTC), the unit of the lake's partitions and of every window. Only real
 * calendar dates are accepted: `2018-04-31` is refused rather than rolled over into May.
 */
import { FraudopsError } from '../errors.js';

const DAY_MS = 86_400_000;

/** True for a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false;
  const d = Date.parse(`${day}T00:00:00Z`);
  return !Number.isNaN(d) && new Date(d).toISOString().slice(0, 10) === day;
}

export function addDays(day: string, n: number): string {
  if (!isCalendarDate(day)) {
    throw new FraudopsError('INVALID_DATE', `not a date (YYYY-MM-DD): "${day}"`, { context: { field: 'date' } });
  }
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** The day's first second since the epoch (UTC). */
export function dayStartSeconds(day: string): number {
  if (!isCalendarDate(day)) {
    throw new FraudopsError('INVALID_DATE', `not a date (YYYY-MM-DD): "${day}"`, { context: { field: 'date' } });
  }
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}

export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}
