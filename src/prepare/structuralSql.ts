/**
 * The LineNormalizer's structural rules as SQL, for engines that read raw text themselves (`readTextLines`): the
 * same reasons, checked in the same order, for every line after the header (line 1):
 *   over 64 KiB (with its CR)                               → line_too_long (sample: `head`, its first 1024 bytes,
 *                                                              LONG_LINE_SAMPLE_BYTES as on the streaming path)
 *   empty                                                   → blank_line
 *   a control byte, or bytes that are not UTF-8             → not_text (kept as base64)
 *   a double quote                                          → quoted_field
 *   not exactly 9 fields                                    → column_count
 * An empty or short last line without a newline is truncated_line instead (`structuralRejectsSql`). Every other line is
 * forwarded in the normalizer's form: line, digit_mask, r_<raw column>, an empty field NULL.
 */
import { RAW_COLUMNS } from '../quality.js';
import type { Dialect } from '../engine/Dialect.js';
import { sqlString } from '../engine/sql.js';
import { MAX_LINE_BYTES } from './LineNormalizer.js';
import { rawCol } from './cleaningSql.js';

const DIGITS = '0123456789';

/**
 * The `raw_lines` table: every line of a text relation (`TextLines.relation`) classified, with the header line's
 * bytes, what a reject keeps of its line, and a forwarded line's fields. With `byFile`, the relation holds the
 * lines of several files and an INTEGER column `f` (the file's index) that `raw_lines` keeps.
 */
export function rawLinesSql(d: Dialect, textRelation: string, byFile = false): string {
  const f = byFile ? 'f, ' : '';
  // The fields once, as an array (one split per line, not one per use: keeps the plan small enough to compile).
  const field = (i: number) => `element_at(fields, ${i + 1})`;
  // Bit i: field i holds a byte other than 0-9; bit 16 + i: one other than 0-9 and '.' (as the normalizer sets
  // them). Read from the line without its digits, split at its commas: field i's non-digit bytes, in one pass.
  const nonDigits = (i: number) => `element_at(non_digits, ${i + 1})`;
  const mask = RAW_COLUMNS.map(
    (_c, i) => `CASE WHEN ${nonDigits(i)} <> '' THEN ${1 << i} ELSE 0 END + CASE WHEN replace(${nonDigits(i)}, '.', '') <> '' THEN ${1 << (16 + i)} ELSE 0 END`,
  ).join(' + ');
  return `
CREATE OR REPLACE TEMP TABLE raw_lines AS
WITH classified AS (
  SELECT ${f}line, cr, text, bytes, utf8, base64, head, CASE
    WHEN line = 1 THEN 'header'
    WHEN bytes + CASE WHEN cr THEN 1 ELSE 0 END > ${MAX_LINE_BYTES} THEN 'line_too_long'
    WHEN bytes = 0 THEN 'blank_line'
    WHEN NOT utf8 OR NOT ${d.regexpFullMatch('text', '[^\\x00-\\x1F\\x7F]*')} THEN 'not_text'
    WHEN strpos(text, '"') > 0 THEN 'quoted_field'
    WHEN length(text) - length(replace(text, ',', '')) <> ${RAW_COLUMNS.length - 1} THEN 'column_count'
  END AS reason
  FROM ${textRelation}
), split_lines AS (
  SELECT *, CASE WHEN reason IS NULL THEN split(text, ',') END AS fields,
    CASE WHEN reason IS NULL THEN split(translate(text, '${DIGITS}', ''), ',') END AS non_digits
  FROM classified
)
SELECT ${f}line, reason,
  -- As the normalizer counts them: an over-long line's CR is not seen.
  cr AND bytes + 1 <= ${MAX_LINE_BYTES} AS crlf,
  CASE WHEN reason = 'line_too_long' THEN head WHEN reason IN ('not_text', 'header') OR reason IS NULL THEN CAST(NULL AS VARCHAR) ELSE text END AS raw,
  CASE WHEN reason IN ('not_text', 'header') THEN base64 END AS raw_base64,
  CASE WHEN reason IS NULL THEN ${mask} END AS digit_mask,
  ${RAW_COLUMNS.map((c, i) => `CASE WHEN reason IS NULL THEN nullif(${field(i)}, '') END AS ${rawCol(c)}`).join(',\n  ')}
FROM split_lines`;
}

/**
 * Lines of the files `fs` forwarded to the cleaning rules (`insertStagedSql`'s source), each `line` made unique
 * across files as `lineKey` says.
 */
export function forwardedLinesSql(fs: readonly number[], lineKey: (f: string, line: string) => string): string {
  const files = fs.length > 0 ? fs.join(', ') : 'NULL';
  return `SELECT ${lineKey('f', 'line')} AS line, digit_mask, ${RAW_COLUMNS.map(rawCol).join(', ')} FROM raw_lines WHERE reason IS NULL AND f IN (${files})`;
}

/**
 * `raw_lines` by file and reason (NULL: forwarded, 'header': line 1): lines, the last line's number, CRLF lines,
 * and the header's bytes. One query gives every file's structural account.
 */
export const RAW_LINES_SUMMARY_SQL = `
SELECT f, reason, count(*) AS n, max(line) AS last_line, sum(CASE WHEN crlf THEN 1 ELSE 0 END) AS crlf,
  max(CASE WHEN line = 1 THEN raw_base64 END) AS header
FROM raw_lines GROUP BY f, reason`;

/** A file of `raw_lines`: its index, name, last line's number and whether its text ends with a newline. */
export interface RawLinesFile {
  f: number;
  file: string;
  lastLine: number;
  endsWithNewline: boolean;
}

/**
 * Structural rejects of the given files as quarantine rows (f, file, line, reason, raw, raw_base64). An
 * unterminated last line that is empty or short is truncated_line.
 */
export function structuralRejectsSql(files: readonly RawLinesFile[]): string {
  const name = `CASE f ${files.map((x) => `WHEN ${x.f} THEN ${sqlString(x.file)}`).join(' ')} END`;
  const unterminated = files.filter((x) => !x.endsWithNewline).map((x) => `(f = ${x.f} AND line = ${x.lastLine})`);
  const reason = unterminated.length > 0 ? `CASE WHEN (${unterminated.join(' OR ')}) AND reason IN ('blank_line', 'column_count') THEN 'truncated_line' ELSE reason END` : 'reason';
  return `SELECT f, ${name} AS file, line, ${reason} AS reason, raw, raw_base64 FROM raw_lines WHERE f IN (${files.map((x) => x.f).join(', ')}) AND line > 1 AND reason IS NOT NULL`;
}
