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
 *
 * With `typed`, a line whose fields an engine can read as typed columns as they are goes out as a typed row,
 * `lineNumber,<original fields>\n`, instead: integers of 1-18 digits written without leading zeros (the customer
 * id maybe with a '-'), a canonical datetime that names a real second, a plain amount. The engine's CSV reader
 * then parses them as numbers and timestamps directly, much more cheaply than as text checked in SQL, and a
 * rejected row's text can be written back from its values exactly. Every other line is a text row as above (in
 * a second stream, `drainText`), with a placeholder of its line number among the typed rows so rows keep their
 * order. The split only decides how a row is read, never what the rules make of it.
 *
 * With `columns` as well, typed rows are not written out as text at all: their fields are read into numbers here
 * (the lexing has found every field already) and go out as column chunks (`drainColumns`, ROW_CHUNK_COLUMNS), which
 * an engine in this process appends without parsing anything. Only values that a double holds exactly go this way
 * (integers of at most 15 digits, datetimes of the years 1700-2200, amounts of at most 15 digits without a leading
 * zero); a row with any other is a text row as above. A text row's placeholder is then a chunk row with tid -1.
 *
 * It also keeps the largest transaction id seen so far. A forwarded line whose id is not above it is a *suspect*:
 * the later line of every id that occurs twice in the file is one (the earlier one set the largest id to at least
 * its own), so deduplication inside the file need only group the rows of the suspects' ids, not every row. An id
 * far above the largest (a corrupt field) does not raise it, or every later line would be a suspect: it is kept
 * as an outlier, and a later line with an outlier's id is a suspect too. In files written in id order there are
 * hardly any suspects; past MAX_SUSPECT_IDS they are not kept (`suspectIds` is then undefined: group every row).
 */
import { isUtf8 } from 'node:buffer';
import { InputError } from '../errors.js';
import { RAW_COLUMNS, type QuarantineReason } from '../quality.js';
import type { ColumnChunk } from '../engine/SqlEngine.js';

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
const CUSTOMER_FIELD = RAW_COLUMNS.indexOf('customer_id');
/** The canonical datetime, byte by byte: 0 for a digit, else the byte itself. */
const DATETIME_BYTES = [0, 0, 0, 0, 45, 0, 0, 45, 0, 0, 32, 0, 0, 58, 0, 0, 58, 0, 0];
/** What the quarantine keeps of an over-long line: its first bytes, however the file was read in chunks. */
export const LONG_LINE_SAMPLE_BYTES = 1024;
const OUT_CHUNK = 2 << 20;
/** Suspect ids kept at most (`suspectIds`): beyond, a file is not in id order and every row is grouped. */
export const MAX_SUSPECT_IDS = 10_000;
/** How far above the largest id so far an id is an outlier rather than the next largest (`trackId`). */
const OUTLIER_GAP = 1 << 20;
/** int64's largest value: an id beyond it is no id to the rules (TRY_CAST gives NULL). */
const INT64_MAX_DIGITS = Buffer.from('9223372036854775807');
const EXPECTED_COMMAS = RAW_COLUMNS.length - 1;
const NL = 10;
const CR = 13;
const COMMA = 44;
const DOT = 46;
const QUOTE = 34;
const MINUS = 45;

/**
 * The columns of a row chunk, in order: `ts` is microseconds since 1970-01-01 00:00:00 (TIMESTAMP), `amt` the
 * amount (DOUBLE), every other column an integer (BIGINT). `amt_digits` and `amt_scale` are the amount's text as
 * its digits and its count of decimals, from which a rejected row's text is written back exactly.
 */
export const ROW_CHUNK_COLUMNS = ['line', 'tid', 'ts', 'cust', 'term', 'amt', 'amt_digits', 'amt_scale', 'secs', 'days_in', 'fraud', 'scen'] as const;
/** Rows per column chunk at most (DuckDB's vector size). */
export const ROW_CHUNK_ROWS = 2048;
/** Digits a double holds exactly in every case (2^53 has 16). */
const EXACT_DIGITS = 15;
const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];

export interface LineNormalizerOptions {
  /**
   * Split forwarded lines into typed rows and text rows (see the module comment). Off: every forwarded line goes
   * out as `line,digitMask,<fields>` (engines that stage through text only).
   */
  typed?: boolean;
  /** With `typed`: typed rows go out as column chunks (`drainColumns`), not as text. */
  columns?: boolean;
}

export class LineNormalizer {
  /** Data lines seen (header excluded), i.e. the file's `rowsIn`. */
  rows = 0;
  /** Lines forwarded to SQL. */
  forwarded = 0;
  /** Of those, the lines that went out as text rows (all of them unless `typed`). */
  textRows = 0;
  crlfLines = 0;
  headerStyle: HeaderStyle | undefined;

  private lineNo = 0;
  /** `lineNo` as ASCII digits, counted up in place (no division per line). */
  private readonly lineDigits = new Uint8Array(20);
  private lineDigitCount = 1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private overLong = false;
  private readonly main = new OutBuffer();
  private readonly text: OutBuffer;
  private sawBytes = false;
  private readonly typed: boolean;
  private readonly columns: boolean;
  private chunk: RowChunkBuilder | undefined;
  private readyChunks: ColumnChunk[] = [];
  // What `scan` found out about the line it last looked at.
  private commas = 0;
  private mask = 0;
  private odd = false;
  private high = false;
  private crs = 0;
  private quoted = false;
  private readonly commaAt = new Int32Array(EXPECTED_COMMAS);
  /**
   * The largest id forwarded so far, as decimal digits without leading zeros (`maxIdLength` of them); kept only when
   * there are more than EXACT_DIGITS of them (else `maxIdValue` is exact).
   */
  private readonly maxId = Buffer.alloc(INT64_MAX_DIGITS.length);
  private maxIdLength = 0;
  /** The largest id as a number (exact up to EXACT_DIGITS digits; beyond, only the outlier test uses it). */
  private maxIdValue = 0;
  /** Lines whose id became the largest: while it is one, that first id may itself be the outlier. */
  private maxIdLines = 0;
  private suspects: Set<string> | undefined = new Set();
  private readonly outliers = new Set<string>();
  /** The smallest outlier's value: an id below it is no outlier's. */
  private minOutlierValue = Infinity;

  constructor(
    private readonly file: string,
    private readonly onReject: (r: StructuralReject) => void,
    options: LineNormalizerOptions = {},
  ) {
    this.lineDigits[0] = 48;
    this.typed = options.typed ?? false;
    this.columns = this.typed && options.columns === true;
    this.text = this.typed ? new OutBuffer() : this.main;
  }

  /** Consumes a chunk; returns normalized bytes ready for the SQL reader (possibly empty): typed rows when `typed`. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) this.sawBytes = true;
    let start = 0;
    const n = chunk.length;
    if (this.pendingBytes > 0 || this.overLong) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.appendPending(chunk);
        return this.main.drain();
      }
      this.appendPending(chunk.subarray(0, nl));
      const line = this.takePending();
      this.handleLine(line, 0, this.scan(line, 0, line.length), true);
      start = nl + 1;
    }
    while (start < n) {
      // One pass finds the line's end and its shape.
      const e = this.scan(chunk, start, n);
      if (e === n) {
        this.appendPending(chunk.subarray(start));
        break;
      }
      this.handleLine(chunk, start, e, true);
      start = e + 1;
    }
    return this.main.drain();
  }

  /** Flushes the last line (one without a trailing newline). Throws for an empty file. */
  finish(): Buffer[] {
    if (this.pendingBytes > 0 || this.overLong) {
      const line = this.takePending();
      this.handleLine(line, 0, this.scan(line, 0, line.length), false);
    }
    if (!this.sawBytes) {
      throw new InputError('INPUT_EMPTY', `${this.file}: the file is empty (no header, no rows)`, { context: { file: this.file, line: 1 } });
    }
    this.main.flush();
    this.text.flush();
    if (this.chunk && this.chunk.rows > 0) this.readyChunks.push(this.chunk.done());
    this.chunk = undefined;
    return this.main.drain();
  }

  /** Typed rows as column chunks ready for the engine, when `columns`. */
  drainColumns(): ColumnChunk[] {
    const r = this.readyChunks;
    this.readyChunks = [];
    return r;
  }

  /**
   * The distinct ids of the suspect lines (decimal, as the rules read them): every id that occurs on more than one
   * forwarded line is among them. Undefined when there were more than MAX_SUSPECT_IDS.
   */
  suspectIds(): string[] | undefined {
    return this.suspects && [...this.suspects];
  }

  /** Text rows ready for the SQL reader, when `typed` (`line,digitMask,<fields>`). */
  drainText(): Buffer[] {
    return this.typed ? this.text.drain() : [];
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

  /**
   * Looks at bytes from `s` up to the first newline or `limit`, whichever comes first, and returns where it stopped.
   * Sets the line's comma count and positions, its digit mask, and whether it holds control bytes (`odd`), bytes
   * over 127 (`high`), a double quote (`quoted`) and how many CRs (`crs`: a CR right before the newline is the line end, not content).
   */
  private scan(buf: Buffer, s: number, limit: number): number {
    let commas = 0;
    let mask = 0;
    let odd = false;
    let high = false;
    let crs = 0;
    let quoted = false;
    const commaAt = this.commaAt;
    let i = s;
    for (; i < limit; i++) {
      const b = buf[i];
      if (b >= 48 && b <= 57) continue;
      if (b === COMMA) {
        if (commas < EXPECTED_COMMAS) commaAt[commas] = i;
        commas++;
      } else if (b === NL) {
        break;
      } else {
        if (b === CR) {
          // A CR is either the line end of a CRLF line (stripped) or a control byte (not_text): never in a field.
          crs++;
          continue;
        }
        mask |= b === DOT ? 1 << commas : 0x10001 << commas;
        if (b < 32 || b === 127) odd = true;
        else if (b > 127) high = true;
        else if (b === QUOTE) quoted = true;
      }
    }
    this.commas = commas;
    this.mask = mask;
    this.odd = odd;
    this.high = high;
    this.crs = crs;
    this.quoted = quoted;
    return i;
  }

  /** Counts a line: `lineNo` and its digits. */
  private nextLine(): void {
    this.lineNo++;
    const d = this.lineDigits;
    let i = this.lineDigitCount - 1;
    while (i >= 0 && d[i] === 57) d[i--] = 48;
    if (i >= 0) {
      d[i]++;
    } else {
      d.copyWithin(1, 0, this.lineDigitCount);
      d[0] = 49;
      this.lineDigitCount++;
    }
  }

  private handleLine(buf: Buffer, s: number, e: number, terminated: boolean): void {
    this.nextLine();
    const overLong = this.overLong || e - s > MAX_LINE_BYTES;
    this.overLong = false;
    let crs = this.crs;
    // An over-long line is known by its sample only (its end may not have been kept): its CR is not looked for.
    if (!overLong && e > s && buf[e - 1] === CR) {
      e--;
      crs--;
      this.crlfLines++;
    }
    if (this.headerStyle === undefined) {
      this.parseHeader(buf, s, e, overLong);
      return;
    }
    this.rows++;
    if (overLong) return this.reject('line_too_long', buf, s, e);
    if (e === s) return this.reject(terminated ? 'blank_line' : 'truncated_line', buf, s, e);
    const commas = this.commas;
    const mask = this.mask;
    if (crs > 0 || this.odd || (this.high && !isUtf8(buf.subarray(s, e)))) return this.reject('not_text', buf, s, e);
    if (this.quoted) return this.reject('quoted_field', buf, s, e);
    if (commas !== EXPECTED_COMMAS) return this.reject(terminated ? 'column_count' : 'truncated_line', buf, s, e);
    const c = this.commaAt;
    if (this.suspects && (mask & 1) === 0) this.trackId(buf, s, c[0]);
    const datetime = canonicalDatetime(buf, c[DATETIME_FIELD - 1] + 1);
    const amount = (mask & (0x10000 << AMOUNT_FIELD)) === 0 && plainAmount(buf, c[AMOUNT_FIELD - 1] + 1, c[AMOUNT_FIELD]);
    if (this.typed && datetime && amount && validDatetime(buf, c[DATETIME_FIELD - 1] + 1) && canonicalInts(buf, s, e, c, mask)) {
      if (!this.columns) return this.emitTyped(buf, s, e);
      if (this.emitColumns(buf, s, e)) return;
    }
    let bits = mask;
    if (datetime) bits |= CANONICAL_DATETIME_BIT;
    if (amount) bits |= PLAIN_AMOUNT_BIT;
    this.emitText(buf, s, e, bits);
  }

  /**
   * Compares the id field [a, b), digits only, with the largest id so far: a larger one becomes the largest (or an
   * outlier, far above it), any other is a suspect, as is an outlier's id seen again. Digits the rules do not read
   * as an id (none, more than 19, or beyond int64) are skipped: such a row is quarantined, never a duplicate.
   */
  private trackId(buf: Buffer, a: number, b: number): void {
    if (b - a < 1 || b - a > INT64_MAX_DIGITS.length) return;
    while (a < b - 1 && buf[a] === 48) a++;
    const length = b - a;
    if (length === INT64_MAX_DIGITS.length && buf.compare(INT64_MAX_DIGITS, 0, length, a, b) > 0) return;
    // The same digits always give the same number, so an outlier's id again is never below minOutlierValue.
    let value = 0;
    for (let i = a; i < b; i++) value = value * 10 + (buf[i] - 48);
    // Up to EXACT_DIGITS digits both numbers are exact: compare them, not the digits (no call into the runtime).
    const above =
      length !== this.maxIdLength ? length > this.maxIdLength : length <= EXACT_DIGITS ? value > this.maxIdValue : buf.compare(this.maxId, 0, length, a, b) > 0;
    if (above && !(value >= this.minOutlierValue && this.outliers.has(buf.toString('latin1', a, b)))) {
      if (this.maxIdLength > 0 && value - this.maxIdValue > OUTLIER_GAP) {
        this.outliers.add(buf.toString('latin1', a, b));
        this.minOutlierValue = Math.min(this.minOutlierValue, value);
        if (this.outliers.size > MAX_SUSPECT_IDS) this.suspects = undefined;
        return;
      }
      this.setMaxId(buf, a, b, value);
      this.maxIdLines++;
      return;
    }
    if (this.maxIdLines === 1 && this.maxIdValue - value > OUTLIER_GAP) {
      // The file's first id was the corrupt one: it becomes an outlier, this id the largest. Every id seen so far
      // is still below the largest, an outlier or a suspect.
      this.outliers.add(this.maxIdLength > EXACT_DIGITS ? this.maxId.toString('latin1', 0, this.maxIdLength) : String(this.maxIdValue));
      this.minOutlierValue = Math.min(this.minOutlierValue, this.maxIdValue);
      this.setMaxId(buf, a, b, value);
      return;
    }
    this.suspects!.add(buf.toString('latin1', a, b));
    if (this.suspects!.size > MAX_SUSPECT_IDS) this.suspects = undefined;
  }

  /** The largest id so far: its value, and its digits too where the value is not exact (`maxId`). */
  private setMaxId(buf: Buffer, a: number, b: number, value: number): void {
    if (b - a > EXACT_DIGITS) buf.copy(this.maxId, 0, a, b);
    this.maxIdLength = b - a;
    this.maxIdValue = value;
  }

  /** A typed row: `line,<the line's bytes>`. */
  private emitTyped(buf: Buffer, s: number, e: number): void {
    const out = this.main.reserve(e - s + 24);
    let o = this.writeLineNo(out, this.main.pos);
    for (let i = s; i < e; i++) out[o++] = buf[i];
    out[o++] = NL;
    this.main.pos = o;
    this.forwarded++;
  }

  /**
   * A typed row into the column chunk, when every value reads exactly as a double; false (nothing written) when
   * one does not. The line passed the typed checks: fields of digits (the customer id maybe with '-'), a canonical
   * real datetime, a plain amount.
   */
  private emitColumns(buf: Buffer, s: number, e: number): boolean {
    const c = this.commaAt;
    const tid = intField(buf, s, c[0]);
    const cust = intField(buf, c[1] + 1, c[2]);
    const term = intField(buf, c[2] + 1, c[3]);
    const secs = intField(buf, c[4] + 1, c[5]);
    const days = intField(buf, c[5] + 1, c[6]);
    const fraud = intField(buf, c[6] + 1, c[7]);
    const scen = intField(buf, c[7] + 1, e);
    if (Number.isNaN(tid + cust + term + secs + days + fraud + scen)) return false;
    const micros = datetimeMicros(buf, c[0] + 1);
    if (Number.isNaN(micros)) return false;
    // The amount: digits with at most one '.' (plainAmount); its digits as an integer and its count of decimals.
    const a = c[3] + 1;
    const b = c[4];
    if (buf[a] === 48 && b - a > 1 && buf[a + 1] !== DOT) return false;
    let digits = 0;
    let scale = -1;
    for (let i = a; i < b; i++) {
      const ch = buf[i];
      if (ch === DOT) scale = 0;
      else {
        digits = digits * 10 + (ch - 48);
        if (scale >= 0) scale++;
      }
    }
    if (b - a - (scale >= 0 ? 1 : 0) > EXACT_DIGITS) return false;
    if (scale < 0) scale = 0;
    // Both exact doubles: one correctly rounded division, the double every correct parser reads from the text.
    const amt = digits / POW10[scale];
    const chunk = (this.chunk ??= new RowChunkBuilder());
    chunk.int(0, this.lineNo);
    chunk.int(1, tid);
    chunk.int(2, micros);
    chunk.int(3, cust);
    chunk.int(4, term);
    chunk.double(5, amt);
    chunk.int(6, digits);
    chunk.int(7, scale);
    chunk.int(8, secs);
    chunk.int(9, days);
    chunk.int(10, fraud);
    chunk.int(11, scen);
    chunk.rows++;
    if (chunk.rows === ROW_CHUNK_ROWS) this.takeChunk();
    this.forwarded++;
    return true;
  }

  private takeChunk(): void {
    this.readyChunks.push(this.chunk!.done());
    this.chunk = undefined;
  }

  /**
   * A text row: `line,digitMask,<the line's bytes>`. With `typed`, the typed rows get a placeholder of the same
   * line number and no fields, which the text row's classification replaces: the rows stay in line order.
   */
  private emitText(buf: Buffer, s: number, e: number, mask: number): void {
    if (this.columns) {
      const chunk = (this.chunk ??= new RowChunkBuilder());
      chunk.int(0, this.lineNo);
      chunk.int(1, -1);
      for (let k = 2; k < ROW_CHUNK_COLUMNS.length; k++) chunk.int(k, 0);
      chunk.rows++;
      if (chunk.rows === ROW_CHUNK_ROWS) this.takeChunk();
    } else if (this.typed) {
      const out = this.main.reserve(24 + EXPECTED_COMMAS);
      let o = this.writeLineNo(out, this.main.pos);
      for (let k = 0; k < EXPECTED_COMMAS; k++) out[o++] = COMMA;
      out[o++] = NL;
      this.main.pos = o;
    }
    const out = this.text.reserve(e - s + 36);
    let o = this.writeLineNo(out, this.text.pos);
    o = writeDecimal(out, o, mask);
    out[o++] = COMMA;
    for (let i = s; i < e; i++) out[o++] = buf[i];
    out[o++] = NL;
    this.text.pos = o;
    this.forwarded++;
    this.textRows++;
  }

  /** Writes `lineNo,` at `pos`; returns the position after it. */
  private writeLineNo(out: Buffer, pos: number): number {
    const d = this.lineDigits;
    for (let k = 0; k < this.lineDigitCount; k++) out[pos++] = d[k];
    out[pos++] = COMMA;
    return pos;
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
  let dot = -1;
  for (let i = a; i < b; i++) {
    if (buf[i] !== DOT) continue;
    if (dot >= 0) return false;
    dot = i;
  }
  return dot < 0 || (dot !== a && dot !== b - 1 && b - 1 - dot <= 6);
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a canonical datetime at `p` (`canonicalDatetime`) names a real second of a year 1000-9999: every engine
 * reads such a text as the same timestamp, whatever its parser. Stricter than the rules (which read year 0999 or a
 * leap second as their parser does): what this refuses goes out as a text row and gets the rules' own checks.
 */
function validDatetime(buf: Buffer, p: number): boolean {
  const digit = (k: number) => buf[p + k] - 48;
  if (digit(0) === 0) return false;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month])) return false;
  return digit(11) * 10 + digit(12) <= 23 && digit(14) <= 5 && digit(17) <= 5;
}

/**
 * Whether every integer field of the line [s, e) (fields split at `c`) is written the way the engine writes the
 * number back: 1-18 digits (no int64 overflow), no leading zero, the customer id also with a leading '-'. Only such
 * rows can be typed rows: a typed reader reads the number, and a rejected row's text is written back from it.
 */
function canonicalInts(buf: Buffer, s: number, e: number, c: Int32Array, mask: number): boolean {
  for (let f = 0; f <= EXPECTED_COMMAS; f++) {
    if (f === DATETIME_FIELD || f === AMOUNT_FIELD) continue;
    let a = f === 0 ? s : c[f - 1] + 1;
    const b = f === EXPECTED_COMMAS ? e : c[f];
    if ((mask & (1 << f)) !== 0) {
      // Only the customer id may be negative, and then only '-' and digits.
      if (f !== CUSTOMER_FIELD || buf[a] !== MINUS) return false;
      a++;
      for (let i = a; i < b; i++) if (buf[i] < 48 || buf[i] > 57) return false;
      if (buf[a] === 48) return false;
    }
    if (b - a < 1 || b - a > 18 || (buf[a] === 48 && b - a > 1)) return false;
  }
  return true;
}

/** An integer field [a, b) of digits, maybe after a '-', as a number; NaN beyond EXACT_DIGITS digits. */
function intField(buf: Buffer, a: number, b: number): number {
  const negative = buf[a] === MINUS;
  if (negative) a++;
  if (b - a > EXACT_DIGITS) return NaN;
  let v = 0;
  for (let i = a; i < b; i++) v = v * 10 + (buf[i] - 48);
  return negative ? -v : v;
}

/**
 * A canonical, real datetime at `p` (validDatetime) as microseconds since 1970; NaN outside the years 1700-2200,
 * where the count could pass 2^53.
 */
function datetimeMicros(buf: Buffer, p: number): number {
  const digit = (k: number) => buf[p + k] - 48;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  if (year < 1700 || year > 2200) return NaN;
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  const seconds = (digit(11) * 10 + digit(12)) * 3600 + (digit(14) * 10 + digit(15)) * 60 + digit(17) * 10 + digit(18);
  return (daysFromCivil(year, month, day) * 86400 + seconds) * 1e6;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (the civil-days algorithm, eras of 400 years). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A column chunk being filled: one buffer, ROW_CHUNK_ROWS 8-byte values per column. */
class RowChunkBuilder {
  rows = 0;
  private readonly buffer = new ArrayBuffer(ROW_CHUNK_COLUMNS.length * ROW_CHUNK_ROWS * 8);
  private readonly ints = new Int32Array(this.buffer);
  private readonly doubles = new Float64Array(this.buffer);

  /** Sets column k of the next row (`rows`) to an integer below 2^53 in magnitude. */
  int(k: number, v: number): void {
    const at = 2 * (k * ROW_CHUNK_ROWS + this.rows);
    if (v >= 0 && v < 2147483648) {
      this.ints[at] = v;
      this.ints[at + 1] = 0;
      return;
    }
    // int64 as two 32-bit halves, little-endian: the low one in [0, 2^32), the high one signed.
    let lo = v % 4294967296;
    if (lo < 0) lo += 4294967296;
    this.ints[at] = lo;
    this.ints[at + 1] = (v - lo) / 4294967296;
  }

  /** Sets column k of the next row to a double. */
  double(k: number, v: number): void {
    this.doubles[k * ROW_CHUNK_ROWS + this.rows] = v;
  }

  done(): ColumnChunk {
    const bytes = ROW_CHUNK_ROWS * 8;
    return { rowCount: this.rows, columns: ROW_CHUNK_COLUMNS.map((_, k) => new Uint8Array(this.buffer, k * bytes, this.rows * 8)) };
  }
}

/** An output stream of normalized rows, in buffers of OUT_CHUNK bytes (more for one long line). */
class OutBuffer {
  buf: Buffer = Buffer.allocUnsafe(OUT_CHUNK);
  pos = 0;
  private ready: Buffer[] = [];

  /** The buffer to write `need` bytes into at `pos`. */
  reserve(need: number): Buffer {
    if (this.pos + need > this.buf.length) {
      this.ready.push(this.buf.subarray(0, this.pos));
      this.buf = Buffer.allocUnsafe(Math.max(OUT_CHUNK, need));
      this.pos = 0;
    }
    return this.buf;
  }

  flush(): void {
    if (this.pos === 0) return;
    this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(OUT_CHUNK);
    this.pos = 0;
  }

  drain(): Buffer[] {
    const r = this.ready;
    this.ready = [];
    return r;
  }
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
