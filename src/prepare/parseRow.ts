/**
 * Prepare's row rules for one line at a time: what the stream scorer applies to each message. A file goes
 * through LineNormalizer (structure) and cleaningSql.ts (fields) in bulk; a stream cannot wait for a file, so
 * this module states the same rules per line, in the same order, with the same reason codes. A contract test
 * (parseRow.test.ts) runs prepare itself on the same lines and requires the same outcome for every one.
 */
import { isUtf8 } from 'node:buffer';
import { RAW_COLUMNS, SENTINEL_CUSTOMER_ID, type FixRule, type QuarantineReason } from '../quality.js';
import { MAX_LINE_BYTES } from './LineNormalizer.js';
import { MAX_PLAUSIBLE_AMOUNT, PLAUSIBLE_DAYS_AFTER_FILE_DAY, PLAUSIBLE_DAYS_BEFORE_FILE_DAY } from './cleaningSql.js';

export interface ParsedRow {
  transactionId: number;
  /** Epoch seconds (UTC) of tx_datetime. */
  time: number;
  /** The tx_datetime text as written. */
  datetime: string;
  customerId: number;
  terminalId: number;
  terminalMissing: boolean;
  amount: number;
  timeSeconds: number;
  fraud: number;
  scenario: number;
  fixes: FixRule[];
}

export type RowResult = { ok: true; row: ParsedRow } | { ok: false; reason: QuarantineReason };

const COLUMNS = RAW_COLUMNS.length;
const DIGITS_RE = /^[0-9]{1,19}$/;
const NEG_DIGITS_RE = /^-[0-9]{1,19}$/;
const INT64_MAX = 9223372036854775807n;
/**
 * Digits that fit a signed 64-bit integer, as the engine's TRY_CAST(... AS BIGINT) accepts them. Up to 18 digits
 * always fit, so only 19-digit values pay for the BigInt comparison (it ran for every field of every line).
 */
const DIGITS = { test: (v: string): boolean => DIGITS_RE.test(v) && (v.length < 19 || BigInt(v) <= INT64_MAX) };
const NEG_DIGITS = { test: (v: string): boolean => NEG_DIGITS_RE.test(v) && (v.length < 20 || -BigInt(v.slice(1)) >= -INT64_MAX - 1n) };
const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const AMOUNT = /^[0-9]+(\.[0-9]{1,6})?$/;

/**
 * Classifies one raw line (without its newline; a trailing CR is ignored) as prepare would. `fileDay` is the day
 * of the file the line came from, for the date plausibility rule; without one, dates before 1970 or more than a
 * day in the future are implausible.
 */
export function parseRow(line: Uint8Array, fileDay?: string): RowResult {
  let end = line.length;
  if (end > 0 && line[end - 1] === 13) end--;
  if (end > MAX_LINE_BYTES) return fail('line_too_long');
  if (end === 0) return fail('blank_line');
  let commas = 0;
  let high = false;
  for (let i = 0; i < end; i++) {
    const b = line[i];
    if (b === 44) commas++;
    else if (b < 32 || b === 127) return fail('not_text');
    else if (b > 127) high = true;
  }
  const bytes = line.subarray(0, end);
  if (high && !isUtf8(bytes)) return fail('not_text');
  if (bytes.includes(34)) return fail('quoted_field');
  if (commas !== COLUMNS - 1) return fail('column_count');
  const f = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split(',');

  if (!DIGITS.test(f[0])) return fail('bad_transaction_id');
  const time = parseDatetime(f[1]);
  if (time === undefined) return fail('bad_datetime');
  let customerId: number;
  if (DIGITS.test(f[2]) || NEG_DIGITS.test(f[2])) customerId = Number(f[2]);
  else return fail('bad_customer_id');
  if (Math.abs(customerId) === SENTINEL_CUSTOMER_ID) return fail('sentinel_customer_id');
  const term = f[3].trim();
  const terminalMissing = term === '' || term === 'Err' || term === 'None';
  if (!terminalMissing && !DIGITS.test(f[3])) return fail('bad_terminal_id');
  if (f[4].length > 22 || !AMOUNT.test(f[4])) return fail('bad_amount');
  if (!DIGITS.test(f[5])) return fail('bad_time_seconds');
  if (!DIGITS.test(f[7]) || !DIGITS.test(f[8])) return fail('bad_label');
  const fraud = Number(f[7]);
  const scenario = Number(f[8]);
  if (fraud > 1 || scenario > 3) return fail('bad_label');
  if (!plausibleTime(time, fileDay)) return fail('implausible_datetime');
  if (Number(f[4]) > MAX_PLAUSIBLE_AMOUNT) return fail('implausible_amount');
  if ((fraud === 1) !== (scenario > 0)) return fail('inconsistent_label');

  const timeSeconds = Number(f[5]);
  const fixes: FixRule[] = [];
  if (customerId < 0) fixes.push('negative_customer_id');
  if (terminalMissing) fixes.push('missing_terminal_id');
  if (!/^-?[0-9]+$/.test(f[6].trim()) || Number(f[6]) !== Math.floor(timeSeconds / 86400)) fixes.push('time_days_mismatch');
  return {
    ok: true,
    row: {
      transactionId: Number(f[0]),
      time,
      datetime: f[1],
      customerId: Math.abs(customerId),
      terminalId: terminalMissing ? 0 : Number(f[3]),
      terminalMissing,
      amount: Number(f[4]),
      timeSeconds,
      fraud,
      scenario,
      fixes,
    },
  };
}

function plausibleTime(time: number, fileDay: string | undefined): boolean {
  if (fileDay) {
    const day = Math.floor(time / 86400);
    const file = Date.parse(`${fileDay}T00:00:00Z`) / 86_400_000;
    return day - file <= PLAUSIBLE_DAYS_AFTER_FILE_DAY && file - day <= PLAUSIBLE_DAYS_BEFORE_FILE_DAY;
  }
  return time >= 0 && time <= Date.now() / 1000 + 86400;
}

function fail(reason: QuarantineReason): RowResult {
  return { ok: false, reason };
}

/** `YYYY-MM-DD HH:MM:SS` as UTC epoch seconds, or undefined for anything else (hour 24, 31 April, text). */
function parseDatetime(s: string): number | undefined {
  if (s.length !== 19 || !DATETIME.test(s)) return undefined;
  const h = twoDigits(s, 11);
  const mi = twoDigits(s, 14);
  const se = twoDigits(s, 17);
  if (h > 23 || mi > 59 || se > 59) return undefined;
  const day = dayMs(s.slice(0, 10));
  return day === undefined ? undefined : day / 1000 + h * 3600 + mi * 60 + se;
}

/** The value of the two ASCII digits at `at` (the caller has checked they are digits). */
function twoDigits(s: string, at: number): number {
  return (s.charCodeAt(at) - 48) * 10 + (s.charCodeAt(at + 1) - 48);
}

/**
 * Epoch ms of a checked `YYYY-MM-DD` at midnight UTC, or undefined for an impossible date. Lines of a stream
 * share few days, so each day is computed once (a bounded cache); the time of day is added by the caller, which
 * is what Date.UTC does for the whole value in UTC.
 */
function dayMs(date: string): number | undefined {
  const known = DAYS.get(date);
  if (known !== undefined || DAYS.has(date)) return known;
  const [y, mo, d] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
  let ms: number | undefined;
  if (mo >= 1 && mo <= 12 && d >= 1) {
    ms = Date.UTC(y, mo - 1, d);
    // Date.UTC rolls 31 April over to 1 May; a real date maps back to itself.
    if (new Date(ms).getUTCDate() !== d) ms = undefined;
  }
  if (DAYS.size >= 4096) DAYS.clear();
  DAYS.set(date, ms);
  return ms;
}

const DAYS = new Map<string, number | undefined>();
