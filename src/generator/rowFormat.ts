/**
 * Writes transaction rows as course-format CSV bytes straight into Buffers (no per-row strings on the hot path),
 * plus a string formatter producing the very same text for the rare rows that carry a defect or are copied.
 * Row: transaction_id,tx_datetime,customer_id,terminal_id,tx_amount,tx_time_seconds,tx_time_days,tx_fraud,
 * tx_fraud_scenario — amounts with exactly two decimals, integers plain.
 */
import { customerId } from './options.js';

const COMMA = 44;

function digits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  if (n < 10000000) return 7;
  if (n < 100000000) return 8;
  if (n < 1000000000) return 9;
  return 10;
}

/** Writes a non-negative integer below 2^31; returns the new position. */
export function writeUint(buf: Uint8Array, p: number, n: number): number {
  const end = p + digits(n);
  let q = end;
  while (n >= 10) {
    const d = (n / 10) | 0;
    buf[--q] = 48 + n - d * 10;
    n = d;
  }
  buf[--q] = 48 + n;
  return end;
}

/** Writes a non-negative integer below 2^53. */
export function writeUintLarge(buf: Uint8Array, p: number, n: number): number {
  if (n < 2147483648) return writeUint(buf, p, n);
  const hi = Math.floor(n / 1e9);
  let lo = n - hi * 1e9;
  p = writeUint(buf, p, hi);
  for (let q = p + 8; q >= p; q--) {
    const d = (lo / 10) | 0;
    buf[q] = 48 + lo - d * 10;
    lo = d;
  }
  return p + 9;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function formatAmount(cents: number): string {
  const whole = Math.floor(cents / 100);
  return `${whole}.${pad2(cents - whole * 100)}`;
}

export function formatClock(second: number): string {
  const h = Math.floor(second / 3600);
  const m = Math.floor((second % 3600) / 60);
  return `${pad2(h)}:${pad2(m)}:${pad2(second % 60)}`;
}

/** The fields of one row as text, in file order; noise edits individual fields before joining. */
export interface RowFields {
  id: string;
  datetime: string;
  customer: string;
  terminal: string;
  amount: string;
  seconds: string;
  days: string;
  fraud: string;
  scenario: string;
}

export function joinRow(f: RowFields): string {
  return `${f.id},${f.datetime},${f.customer},${f.terminal},${f.amount},${f.seconds},${f.days},${f.fraud},${f.scenario}\n`;
}

/** Formats rows of one day. `setSecond` must be called whenever the row's second of day changes. */
export class RowFormatter {
  private readonly clock = new Uint8Array(19);
  /** `,<tx_time_seconds>,<tx_time_days>,` for the current second. */
  private readonly tail = new Uint8Array(32);
  private tailLen = 0;

  constructor(
    readonly day: number,
    readonly date: string,
    readonly idOffset: number,
  ) {
    for (let k = 0; k < 10; k++) this.clock[k] = date.charCodeAt(k);
    this.clock[10] = 32;
    this.clock[13] = 58;
    this.clock[16] = 58;
  }

  setSecond(second: number): void {
    const c = this.clock;
    const h = (second / 3600) | 0;
    const m = ((second - h * 3600) / 60) | 0;
    const s = second - h * 3600 - m * 60;
    c[11] = 48 + ((h / 10) | 0);
    c[12] = 48 + (h % 10);
    c[14] = 48 + ((m / 10) | 0);
    c[15] = 48 + (m % 10);
    c[17] = 48 + ((s / 10) | 0);
    c[18] = 48 + (s % 10);
    const t = this.tail;
    t[0] = COMMA;
    let p = writeUintLarge(t, 1, this.day * 86400 + second);
    t[p++] = COMMA;
    p = writeUint(t, p, this.day);
    t[p++] = COMMA;
    this.tailLen = p;
  }

  /** Writes one clean row (customer, terminal, cents << 2 | scenario at rowData[q..q+2]) at `p`; returns the new position. */
  write(buf: Uint8Array, p: number, row: number, rowData: Int32Array, q: number): number {
    const customer = rowData[q];
    const terminal = rowData[q + 1];
    const cents = rowData[q + 2] >>> 2;
    const scenario = rowData[q + 2] & 3;
    p = writeUintLarge(buf, p, this.idOffset + row);
    buf[p++] = COMMA;
    const c = this.clock;
    for (let k = 0; k < 19; k++) buf[p + k] = c[k];
    p += 19;
    buf[p++] = COMMA;
    p = writeUint(buf, p, customer < 999999 ? customer : customer + 1);
    buf[p++] = COMMA;
    p = writeUint(buf, p, terminal);
    buf[p++] = COMMA;
    const whole = (cents / 100) | 0;
    p = writeUint(buf, p, whole);
    const frac = cents - whole * 100;
    const tens = (frac / 10) | 0;
    buf[p++] = 46;
    buf[p++] = 48 + tens;
    buf[p++] = 48 + frac - tens * 10;
    const t = this.tail;
    const tl = this.tailLen;
    for (let k = 0; k < tl; k++) buf[p + k] = t[k];
    p += tl;
    buf[p++] = scenario === 0 ? 48 : 49;
    buf[p++] = COMMA;
    buf[p++] = 48 + scenario;
    buf[p++] = 10;
    return p;
  }

  /** The same row as fields (slow path: defects and copies). */
  fields(row: number, second: number, customer: number, terminal: number, cents: number, scenario: number): RowFields {
    return {
      id: String(this.idOffset + row),
      datetime: `${this.date} ${formatClock(second)}`,
      customer: String(customerId(customer)),
      terminal: String(terminal),
      amount: formatAmount(cents),
      seconds: String(this.day * 86400 + second),
      days: String(this.day),
      fraud: scenario === 0 ? '0' : '1',
      scenario: String(scenario),
    };
  }
}
