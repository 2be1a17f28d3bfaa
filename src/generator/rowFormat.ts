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

/**
 * A chunk being filled with rows: the bytes and a DataView over them, through which the fast path stores two or
 * four digits at a time. Keep a few bytes of room after the last row: the fast path may store up to 3 bytes past
 * the end of what it writes (they are overwritten by the next row or never handed out).
 */
export interface RowTarget {
  readonly bytes: Buffer;
  readonly view: DataView;
}

export function rowTarget(bytes: Buffer): RowTarget {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/** ASCII of every 2-digit number as a little-endian 16-bit word ("07" is 0x3730). */
const PAIRS = new Uint16Array(100);
/** ASCII of every 4-digit number as a little-endian 32-bit word. */
const QUADS = new Uint32Array(10000);
for (let n = 0; n < 100; n++) PAIRS[n] = (48 + ((n / 10) | 0)) | ((48 + (n % 10)) << 8);
for (let n = 0; n < 10000; n++) QUADS[n] = PAIRS[(n / 100) | 0] | (PAIRS[n % 100] << 16);
/** `<tx_fraud>,<tx_fraud_scenario>\n` by scenario, as little-endian 32-bit words. */
const LABELS = Uint32Array.from(['0,0\n', '1,1\n', '1,2\n', '1,3\n'], (t) =>
  t.charCodeAt(0) | (t.charCodeAt(1) << 8) | (t.charCodeAt(2) << 16) | (t.charCodeAt(3) << 24),
);

/** Writes 0 ≤ n < 10^4 without leading zeros; returns the new position. */
function writeSmall(t: RowTarget, p: number, n: number): number {
  if (n < 10) {
    t.bytes[p] = 48 + n;
    return p + 1;
  }
  if (n < 100) {
    t.view.setUint16(p, PAIRS[n], true);
    return p + 2;
  }
  if (n < 1000) {
    const h = (n / 100) | 0;
    t.bytes[p] = 48 + h;
    t.view.setUint16(p + 1, PAIRS[n - h * 100], true);
    return p + 3;
  }
  t.view.setUint32(p, QUADS[n], true);
  return p + 4;
}

/** Writes a non-negative integer below 2^31, four digits per store where it can. */
function writeUintFast(t: RowTarget, p: number, n: number): number {
  if (n < 10000) return writeSmall(t, p, n);
  if (n < 100000000) {
    const hi = (n / 10000) | 0;
    p = writeSmall(t, p, hi);
    t.view.setUint32(p, QUADS[n - hi * 10000], true);
    return p + 4;
  }
  const hi = (n / 100000000) | 0;
  const rest = n - hi * 100000000;
  const mid = (rest / 10000) | 0;
  p = writeSmall(t, p, hi);
  t.view.setUint32(p, QUADS[mid], true);
  t.view.setUint32(p + 4, QUADS[rest - mid * 10000], true);
  return p + 8;
}

/**
 * Formats rows of one day. `setSecond` must be called whenever the row's second of day changes.
 * Row ids follow the row index, so the fast path keeps the id's digits and increments them in place.
 */
export class RowFormatter {
  private readonly clock = new Uint8Array(19);
  /** `<transaction_id>,<tx_datetime>,` of row `headRow`, padded to whole 32-bit words. */
  private readonly head = new Uint8Array(64);
  private readonly head32 = new Uint32Array(this.head.buffer);
  private headLen = 0;
  private idLen = 0;
  private headRow = -2;
  /** `,<tx_time_seconds>,<tx_time_days>,` for the current second, padded to whole 32-bit words. */
  private readonly tail = new Uint8Array(32);
  private readonly tail32 = new Uint32Array(this.tail.buffer);
  private readonly tailTarget = rowTarget(Buffer.from(this.tail.buffer));
  private tailLen = 0;
  /** `,<tx_time_days>,` */
  private readonly dayPart: Uint8Array;

  constructor(
    readonly day: number,
    readonly date: string,
    readonly idOffset: number,
  ) {
    for (let k = 0; k < 10; k++) this.clock[k] = date.charCodeAt(k);
    this.clock[10] = 32;
    this.clock[13] = 58;
    this.clock[16] = 58;
    this.tail[0] = COMMA;
    this.dayPart = Buffer.from(`,${day},`, 'latin1');
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
    if (this.headRow >= 0) {
      const hd = this.head;
      const at = this.idLen + 1;
      for (let k = 11; k < 19; k++) hd[at + k] = c[k];
    }
    const t = this.tail;
    const secs = this.day * 86400 + second;
    let p = secs < 2147483648 ? writeUintFast(this.tailTarget, 1, secs) : writeUintLarge(t, 1, secs);
    const dayPart = this.dayPart;
    for (let k = 0; k < dayPart.length; k++) t[p + k] = dayPart[k];
    p += dayPart.length;
    this.tailLen = p;
  }

  /** Sets the head to row `row`'s id and the current clock. */
  private resetHead(row: number): void {
    const hd = this.head;
    let p = writeUintLarge(hd, 0, this.idOffset + row);
    this.idLen = p;
    hd[p++] = COMMA;
    hd.set(this.clock, p);
    p += 19;
    hd[p++] = COMMA;
    this.headLen = p;
    this.headRow = row;
  }

  /** Moves the head from row `headRow` to the next one: a decimal increment of its id digits. */
  private nextHead(): void {
    const hd = this.head;
    let k = this.idLen - 1;
    while (k >= 0 && hd[k] === 57) hd[k--] = 48;
    if (k < 0) this.resetHead(this.headRow + 1);
    else {
      hd[k]++;
      this.headRow++;
    }
  }

  /**
   * Writes one clean row (customer, terminal, cents << 2 | scenario at rowData[q..q+2]) at `p`; returns the new
   * position. May store up to 3 bytes past it.
   */
  write(t: RowTarget, p: number, row: number, rowData: Int32Array, q: number): number {
    if (row !== this.headRow) {
      if (row === this.headRow + 1) this.nextHead();
      else this.resetHead(row);
    }
    const view = t.view;
    const bytes = t.bytes;
    const customer = rowData[q];
    const terminal = rowData[q + 1];
    const cents = rowData[q + 2] >>> 2;
    const scenario = rowData[q + 2] & 3;
    const head32 = this.head32;
    const headLen = this.headLen;
    for (let k = 0; k < headLen; k += 4) view.setUint32(p + k, head32[k >>> 2], true);
    p += headLen;
    p = writeUintFast(t, p, customer < 999999 ? customer : customer + 1);
    bytes[p++] = COMMA;
    p = writeUintFast(t, p, terminal);
    bytes[p++] = COMMA;
    const whole = (cents / 100) | 0;
    p = writeUintFast(t, p, whole);
    bytes[p] = 46;
    view.setUint16(p + 1, PAIRS[cents - whole * 100], true);
    p += 3;
    const tail32 = this.tail32;
    const tailLen = this.tailLen;
    for (let k = 0; k < tailLen; k += 4) view.setUint32(p + k, tail32[k >>> 2], true);
    p += tailLen;
    view.setUint32(p, LABELS[scenario], true);
    return p + 4;
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
