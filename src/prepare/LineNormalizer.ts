/**
 * Splits raw transaction bytes into lines and checks their structure before any SQL sees them. It recognises
 * both header styles (the course's `# a | b | ...` line and a plain CSV header), strips CR of CRLF files, and
 * sends lines that cannot be rows (wrong column count, binary bytes, blank, over-long, cut off at end of file)
 * to the reject callback with their line number. Every other line goes out as `lineNumber,digitMask,<original
 * fields>\n`: the line number lets the SQL stage name the line of any row it quarantines. Bit i of digitMask is
 * set when field i holds a byte other than 0-9, and bit 16 + i when it holds one other than 0-9 and '.', so SQL
 * checks integer and decimal fields strictly without a regular expression per value (the lexing is done here
 * anyway; the rules stay in SQL). Bit 15 (CANONICAL_DATETIME_BIT) says the datetime field is exactly
 * `DDDD-DD-DD DD:DD:DD`, a text of the shape every engine's timestamp check accepts, and bit 14
 * (PLAIN_AMOUNT_BIT) that the amount passes the amount rule's checks of its text, so SQL skips those checks
 * for such rows (rows without the bits get every check in SQL). Bounded memory, chunk by chunk.
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';
import { RAW_COLUMNS, type QuarantineReason } from '../quality.js';

export type HeaderStyle = 'course' | 'csv';

export interface StructuralReject {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  reason: Extract<QuarantineReason, 'column_count' | 'not_text' | 'blank_line' | 'truncated_line' | 'line_too_long' | 'quoted_field'>;
  /** The line's bytes (its first LONG_LINE_SAMPLE_BYTES for over-long lines). */
  raw: Buffer;
}

export const MAX_LINE_BYTES = 64 * 1024;
/** Digit-mask bit: the tx_datetime field (field 1) is exactly `DDDD-DD-DD DD:DD:DD` (D a digit 0-9). */
export const CANONICAL_DATETIME_BIT = 1 << 15;
/**
 * Digit-mask bit: the tx_amount field (field 4) is plain decimal notation as the cleaning rules accept it: 1-22
 * bytes of digits with at most one '.', neither first nor last, and at most 6 digits after it.
 */
export const PLAIN_AMOUNT_BIT = 1 << 14;
const DATETIME_FIELD = RAW_COLUMNS.indexOf('tx_datetime');
const AMOUNT_FIELD = RAW_COLUMNS.indexOf('tx_amount');
/** The canonical datetime, byte by byte: 0 for a digit, else the byte itself. */
const DATETIME_BYTES = [0, 0, 0, 0, 45, 0, 0, 45, 0, 0, 32, 0, 0, 58, 0, 0, 58, 0, 0];
/** What the quarantine keeps of an over-long line: its first bytes, however the file was read in chunks. */
export const LONG_LINE_SAMPLE_BYTES = 1024;
const OUT_CHUNK = 1 << 20;
const EXPECTED_COMMAS = RAW_COLUMNS.length - 1;
const NL = 10;
const CR = 13;
const COMMA = 44;
const DOT = 46;
const QUOTE = 34;

export class LineNormalizer {
  /** Data lines seen (header excluded), i.e. the file's `rowsIn`. */
  rows = 0;
  /** Lines forwarded to SQL. */
  forwarded = 0;
  crlfLines = 0;
  headerStyle: HeaderStyle | undefined;

  private lineNo = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overLong = false;
  private out: Buffer = Buffer.allocUnsafe(OUT_CHUNK);
  private outPos = 0;
  private ready: Buffer[] = [];
  private sawBytes = false;

  constructor(
    private readonly file: string,
    private readonly onReject: (r: StructuralReject) => void,
  ) {}

  /** Consumes a chunk; returns normalized bytes ready for the SQL reader (possibly empty). */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) this.sawBytes = true;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) break;
      if (this.pendingBytes > 0 || this.overLong) {
        this.appendPending(chunk.subarray(start, nl));
        const line = this.takePending();
        this.handleLine(line, 0, line.length, true);
      } else {
        this.handleLine(chunk, start, nl, true);
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.appendPending(chunk.subarray(start));
    return this.drain();
  }

  /** Flushes the last line (one without a trailing newline). Throws for an empty file. */
  finish(): Buffer[] {
    if (this.pendingBytes > 0 || this.overLong) {
      const line = this.takePending();
      this.handleLine(line, 0, line.length, false);
    }
    if (!this.sawBytes) {
      throw new InputError('INPUT_EMPTY', `${this.file}: the file is empty (no header, no rows)`, { context: { file: this.file, line: 1 } });
    }
    if (this.outPos > 0) {
      this.ready.push(this.out.subarray(0, this.outPos));
      this.out = Buffer.allocUnsafe(OUT_CHUNK);
      this.outPos = 0;
    }
    return this.drain();
  }

  private drain(): Buffer[] {
    const r = this.ready;
    this.ready = [];
    return r;
  }

  private appendPending(part: Buffer): void {
    if (this.overLong) return;
    if (this.pendingBytes + part.length > MAX_LINE_BYTES) {
      this.overLong = true;
      const sample = Buffer.concat([...this.pending, part.subarray(0, LONG_LINE_SAMPLE_BYTES)]).subarray(0, LONG_LINE_SAMPLE_BYTES);
      this.pending = [Buffer.from(sample)];
      this.pendingBytes = sample.length;
      return;
    }
    this.pending.push(Buffer.from(part));
    this.pendingBytes += part.length;
  }

  private takePending(): Buffer {
    const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    return line;
  }

  private handleLine(buf: Buffer, s: number, e: number, terminated: boolean): void {
    this.lineNo++;
    const overLong = this.overLong || e - s > MAX_LINE_BYTES;
    this.overLong = false;
    // An over-long line is known by its sample only (its end may not have been kept): its CR is not looked for.
    if (!overLong && e > s && buf[e - 1] === CR) {
      e--;
      this.crlfLines++;
    }
    if (this.headerStyle === undefined) {
      this.parseHeader(buf, s, e, overLong);
      return;
    }
    this.rows++;
    if (overLong) return this.reject('line_too_long', buf, s, e);
    if (e === s) return this.reject(terminated ? 'blank_line' : 'truncated_line', buf, s, e);
    let commas = 0;
    let odd = false;
    let high = false;
    let mask = 0;
    let datetimeStart = 0;
    let amountStart = 0;
    let amountEnd = 0;
    for (let i = s; i < e; i++) {
      const b = buf[i];
      if (b >= 48 && b <= 57) continue;
      if (b === COMMA) {
        commas++;
        if (commas === DATETIME_FIELD) datetimeStart = i + 1;
        else if (commas === AMOUNT_FIELD) amountStart = i + 1;
        else if (commas === AMOUNT_FIELD + 1) amountEnd = i;
      } else {
        mask |= b === DOT ? 1 << commas : 0x10001 << commas;
        if (b < 32 || b === 127) odd = true;
        else if (b > 127) high = true;
      }
    }
    if (odd || (high && !isUtf8(buf.subarray(s, e)))) return this.reject('not_text', buf, s, e);
    if (mask !== 0 && buf.indexOf(QUOTE, s) >= 0 && buf.indexOf(QUOTE, s) < e) return this.reject('quoted_field', buf, s, e);
    if (commas !== EXPECTED_COMMAS) return this.reject(terminated ? 'column_count' : 'truncated_line', buf, s, e);
    let bits = mask;
    if (canonicalDatetime(buf, datetimeStart)) bits |= CANONICAL_DATETIME_BIT;
    if ((mask & (0x10000 << AMOUNT_FIELD)) === 0 && plainAmount(buf, amountStart, amountEnd)) bits |= PLAIN_AMOUNT_BIT;
    this.emit(buf, s, e, bits);
  }

  private emit(buf: Buffer, s: number, e: number, mask: number): void {
    const need = e - s + 28;
    if (this.outPos + need > this.out.length) {
      this.ready.push(this.out.subarray(0, this.outPos));
      this.out = Buffer.allocUnsafe(Math.max(OUT_CHUNK, need));
      this.outPos = 0;
    }
    this.outPos = writeDecimal(this.out, this.outPos, this.lineNo);
    this.out[this.outPos++] = COMMA;
    this.outPos = writeDecimal(this.out, this.outPos, mask);
    this.out[this.outPos++] = COMMA;
    this.outPos += buf.copy(this.out, this.outPos, s, e);
    this.out[this.outPos++] = NL;
    this.forwarded++;
  }

  private reject(reason: StructuralReject['reason'], buf: Buffer, s: number, e: number): void {
    const keep = reason === 'line_too_long' ? LONG_LINE_SAMPLE_BYTES : MAX_LINE_BYTES;
    this.onReject({ line: this.lineNo, reason, raw: Buffer.from(buf.subarray(s, Math.min(e, s + keep))) });
  }

  private parseHeader(buf: Buffer, s: number, e: number, overLong: boolean): void {
    const ctx = { file: this.file, line: this.lineNo };
    let bytes = buf.subarray(s, e);
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    const binary = overLong || bytes.some((b) => b < 32 && b !== 9) || !isUtf8(bytes);
    if (binary) {
      throw new InputError('INPUT_NOT_TEXT', `${this.file}:1: not a text file of transactions (binary bytes in the header line)`, {
        context: ctx,
      });
    }
    const text = bytes.toString('utf8').trim();
    if (text.includes('"')) {
      throw new InputError(
        'INPUT_QUOTED_CSV',
        `${this.file}:1: the header is quoted CSV ("..." fields); raw files are plain comma-separated rows without quoting. Export without quotes`,
        { context: ctx },
      );
    }
    let style: HeaderStyle;
    let names: string[];
    if (text.startsWith('#')) {
      style = 'course';
      names = text.slice(1).split('|');
    } else {
      style = 'csv';
      names = text.split(',');
    }
    names = names.map((n) => n.trim().toLowerCase());
    const expected: readonly string[] = RAW_COLUMNS;
    const ok =
      names.length === expected.length &&
      names.every((n, i) => n === expected[i] || (i === 0 && n === 'tranaction_id'));
    if (!ok) {
      const looksLikeRow = style === 'csv' && /^\d/.test(text);
      const bad = names.findIndex((n, i) => n !== expected[i] && !(i === 0 && n === 'tranaction_id'));
      throw new InputError(
        'INPUT_BAD_HEADER',
        looksLikeRow
          ? `${this.file}:1: missing header line; expected "${expected.join(',')}" or the course's "# tranaction_id | ..." line`
          : `${this.file}:1: unexpected header${bad >= 0 ? ` at column ${bad + 1} ("${names[bad] ?? ''}", expected "${expected[bad] ?? '(none)'}")` : ''}; expected ${expected.length} columns: ${expected.join(', ')}`,
        { context: { ...ctx, field: bad >= 0 ? (expected[bad] ?? `column ${bad + 1}`) : undefined } },
      );
    }
    this.headerStyle = style;
  }
}

/** Whether the field starting at `p` is exactly `DDDD-DD-DD DD:DD:DD` followed by a comma. */
function canonicalDatetime(buf: Buffer, p: number): boolean {
  if (buf[p + DATETIME_BYTES.length] !== COMMA) return false;
  for (let k = 0; k < DATETIME_BYTES.length; k++) {
    const b = buf[p + k];
    const want = DATETIME_BYTES[k];
    if (want === 0 ? b < 48 || b > 57 : b !== want) return false;
  }
  return true;
}

/** Whether bytes [a, b), which hold only digits and dots, are a plain decimal amount (PLAIN_AMOUNT_BIT). */
function plainAmount(buf: Buffer, a: number, b: number): boolean {
  if (b - a < 1 || b - a > 22) return false;
  const dot = buf.indexOf(DOT, a);
  if (dot < 0 || dot >= b) return true;
  if (dot === a || dot === b - 1 || b - 1 - dot > 6) return false;
  const second = buf.indexOf(DOT, dot + 1);
  return second < 0 || second >= b;
}

/** Writes a non-negative integer's decimal digits at `pos`; returns the position after them. */
function writeDecimal(buf: Buffer, pos: number, value: number): number {
  if (value < 10) {
    buf[pos] = 48 + value;
    return pos + 1;
  }
  let digits = 0;
  for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
  let v = value;
  for (let i = pos + digits - 1; i >= pos; i--) {
    buf[i] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return pos + digits;
}
