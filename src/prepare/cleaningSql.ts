/**
 * The cleaning rules as SQL. This is the one place that decides what a raw row becomes: kept (maybe fixed or
 * flagged), duplicate, or quarantined with a reason. The statements are plain SQL over named tables so a second
 * engine can run them: functions engines spell differently come from the engine's `Dialect`, and reading and
 * writing files is the engine's (stageRows, readParquet, writePartitionedParquet).
 *
 * Rules, in the order they are checked (the first that matches decides the quarantine reason):
 *   transaction_id   must be a non-negative integer                          → bad_transaction_id
 *   tx_datetime      must parse as YYYY-MM-DD HH:MM:SS (hour 24 does not)    → bad_datetime
 *   customer_id      must be an integer                                       → bad_customer_id
 *                    ±999999 is the "unknown customer" placeholder           → sentinel_customer_id
 *                    negative values are sign errors: fixed to abs()          (fixed.negative_customer_id)
 *                    (but int64's smallest, which has no abs())               → bad_customer_id
 *   terminal_id      `Err`, `None` or empty: set to 0, terminal_id_missing    (fixed.missing_terminal_id)
 *                    anything else must be a non-negative integer             → bad_terminal_id
 *   tx_amount        must be a non-negative decimal; 0 is kept and flagged    → bad_amount / flagged.zero_amount
 *   tx_time_seconds  must be a non-negative integer                          → bad_time_seconds
 *   tx_time_days     recomputed as floor(seconds / 86400) when it disagrees  (fixed.time_days_mismatch)
 *   tx_fraud         0 or 1; tx_fraud_scenario 0..3                           → bad_label
 * Then plausibility, on rows that parsed:
 *   tx_datetime      at most 7 days after the file's day (from its name) and
 *                    at most 366 days before it                              → implausible_datetime
 *   tx_amount        at most 1,000,000                                         → implausible_amount
 *   tx_fraud         1 exactly when the scenario is 1..3                       → inconsistent_label
 * Then, among valid rows, duplicates by transaction_id: the first line wins inside a file, and an id already in
 * the lake is always a duplicate (deduplication is global, not per batch).
 */
import { RAW_COLUMNS, SENTINEL_CUSTOMER_ID } from '../quality.js';
import type { Dialect } from '../engine/Dialect.js';
import { sqlString } from '../engine/sql.js';
import { addDays } from '../util/dates.js';
import { CANONICAL_DATETIME_BIT, PLAIN_AMOUNT_BIT, ROW_CHUNK_COLUMNS } from './LineNormalizer.js';

/**
 * Field positions in the raw row, for the digit mask: bit i set when field i holds a byte other than 0-9,
 * bit 16 + i when it holds one other than 0-9 and '.'; bit 15 when tx_datetime is exactly `DDDD-DD-DD DD:DD:DD`
 * (CANONICAL_DATETIME_BIT) and bit 14 when tx_amount passes the amount checks below (PLAIN_AMOUNT_BIT). A
 * source that never sets those two gets every check in SQL.
 */
const FIELD = Object.fromEntries(RAW_COLUMNS.map((c, i) => [c, i])) as Record<(typeof RAW_COLUMNS)[number], number>;

/** Raw column names as read (all VARCHAR), prefixed to keep them apart from typed ones. */
export const rawCol = (c: string) => `r_${c}`;

/** The `staged` table (or another of its columns): every forwarded line typed and classified, raw text kept only for rejects. */
export function createStagedSql(table = 'staged', moreColumns = ''): string {
  return `
CREATE OR REPLACE TEMP TABLE ${table} (
  line BIGINT, reason VARCHAR, raw_line VARCHAR, tid BIGINT, ts TIMESTAMP, cust BIGINT, term_missing BOOLEAN,
  term BIGINT, amt DOUBLE, secs BIGINT, days_in BIGINT, fraud BIGINT, scen BIGINT${moreColumns})`;
}
export const CREATE_STAGED_SQL = createStagedSql();

/** Where text rows are classified before they take their placeholders' place in `staged` (`updateStagedSql`). */
export const STAGED_TEXT = 'staged_text';

/**
 * Columns of a typed row as the normalizer spools it (LineNormalizer's `typed`): the line number, then the raw
 * fields, which an engine's CSV reader parses as these types. The amount stays text: its rule reads the text.
 * A placeholder row has the line number alone.
 */
export const TYPED_COLUMNS: Readonly<Record<string, string>> = {
  line: 'BIGINT',
  tid: 'BIGINT',
  ts: 'TIMESTAMP',
  cust: 'BIGINT',
  term: 'BIGINT',
  amt_text: 'VARCHAR',
  secs: 'BIGINT',
  days_in: 'BIGINT',
  fraud: 'BIGINT',
  scen: 'BIGINT',
};

/** The reason of a placeholder row until its text row's classification replaces it; never in a committed file. */
export const PENDING_REASON = 'pending';

/** Columns of a forwarded line as the normalizer spools it. */
export const FORWARDED_COLUMNS: Readonly<Record<string, string>> = {
  line: 'BIGINT',
  digit_mask: 'INTEGER',
  ...Object.fromEntries(RAW_COLUMNS.map((c) => [rawCol(c), 'VARCHAR'])),
};

/**
 * How far a row's date may run ahead of its file's day before it is implausible (clock skew and early batches
 * happen; dates from the future do not).
 */
export const PLAUSIBLE_DAYS_AFTER_FILE_DAY = 7;
/**
 * How far a row's date may lag its file's day: late arrivals and transactions sent again in a later file (which
 * dedup must see, not the date rule) are real; a date years before the file is a corrupt field.
 */
export const PLAUSIBLE_DAYS_BEFORE_FILE_DAY = 366;
export const MAX_PLAUSIBLE_AMOUNT = 1_000_000;

/** The day a raw file is named after (`2019-08-22.txt`, `daily/2019-08-22.csv.gz`), if it has one. */
export function fileDay(rawKey: string): string | undefined {
  const m = /(\d{4})-(\d{2})-(\d{2})[^/]*$/.exec(rawKey);
  if (!m) return undefined;
  const d = new Date(`${m[1]}-${m[2]}-${m[3]}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(`${m[1]}-${m[2]}-${m[3]}`) ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * Whether a row's `ts` is implausible for a file of `day` (its name's day, if it has one). Staging several files in
 * one statement combines these per file (`insertStagedSql`'s `ruleSql`).
 */
export function implausibleDateSql(d: Dialect, day: string | undefined): string {
  if (!day) return `ts < TIMESTAMP '1970-01-01 00:00:00' OR ts > CAST(current_timestamp AS TIMESTAMP) + INTERVAL 1 DAY`;
  // The file day's plausible dates as a timestamp range (two comparisons per row instead of a date difference),
  // where both ends are plain four-digit-year dates.
  const lo = addDays(day, -PLAUSIBLE_DAYS_BEFORE_FILE_DAY);
  const hi = addDays(day, PLAUSIBLE_DAYS_AFTER_FILE_DAY + 1);
  const plainDate = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);
  return plainDate(lo) && plainDate(hi)
    ? `ts < TIMESTAMP ${sqlString(`${lo} 00:00:00`)} OR ts >= TIMESTAMP ${sqlString(`${hi} 00:00:00`)}`
    : `${d.daysBetween(`DATE ${sqlString(day)}`, 'CAST(ts AS DATE)')} NOT BETWEEN -${PLAUSIBLE_DAYS_BEFORE_FILE_DAY} AND ${PLAUSIBLE_DAYS_AFTER_FILE_DAY}`;
}

/**
 * Appends forwarded lines (columns line, digit_mask, r_<raw column>...) from `sourceSql` to `staged`. `day` is
 * the file's day (from its name), which bounds the plausible dates of its rows, or the rule itself as SQL over
 * `ts` and `line` (`implausibleDateSql` per file, for lines of several files).
 */
export function insertStagedSql(d: Dialect, sourceSql: string, day?: string | { ruleSql: string }, table = 'staged'): string {
  const dateRule = typeof day === 'object' ? day.ruleSql : implausibleDateSql(d, day);
  const r = Object.fromEntries(RAW_COLUMNS.map((c) => [c, rawCol(c)])) as Record<(typeof RAW_COLUMNS)[number], string>;
  // An integer field is digits only (1-19 of them, up to int64's 9223372036854775807; TRY_CAST turns anything
  // beyond into NULL, so the row is quarantined); the digit mask answers that without looking at the text.
  const digitsOnly = (c: (typeof RAW_COLUMNS)[number]) => `(digit_mask & ${1 << FIELD[c]}) = 0 AND length(${r[c]}) BETWEEN 1 AND 19`;
  const intOrNull = (c: (typeof RAW_COLUMNS)[number]) => `CASE WHEN ${digitsOnly(c)} THEN TRY_CAST(${r[c]} AS BIGINT) END`;
  return `
INSERT INTO ${table}
WITH typed AS (
  SELECT line, digit_mask, ${RAW_COLUMNS.map((c) => r[c]).join(', ')},
    ${intOrNull('transaction_id')} AS tid,
    ${d.tryParseTimestamp(r.tx_datetime, `(digit_mask & ${CANONICAL_DATETIME_BIT}) <> 0`)} AS ts,
    CASE WHEN ${digitsOnly('customer_id')} THEN TRY_CAST(${r.customer_id} AS BIGINT)
         -- int64's smallest value has no absolute value in int64: that id is bad, not a sign error to fix.
         WHEN ${d.regexpFullMatch(r.customer_id, '-[0-9]{1,19}')} THEN NULLIF(TRY_CAST(${r.customer_id} AS BIGINT), -9223372036854775807 - 1) END AS cust,
    -- A field of digits alone is never a missing-terminal word: trim() only runs on the others.
    (${r.terminal_id} IS NULL OR ((digit_mask & ${1 << FIELD.terminal_id}) <> 0 AND trim(${r.terminal_id}) IN ('', 'Err', 'None'))) AS term_missing,
    ${intOrNull('terminal_id')} AS term,
    -- Digits with at most one '.', at most 6 decimals: plain decimal notation, no sign, exponent or spaces.
    CASE WHEN (digit_mask & ${PLAIN_AMOUNT_BIT}) <> 0 THEN TRY_CAST(${r.tx_amount} AS DOUBLE)
         WHEN (digit_mask & ${1 << (16 + FIELD.tx_amount)}) = 0 AND length(${r.tx_amount}) BETWEEN 1 AND 22
          AND length(${r.tx_amount}) - length(replace(${r.tx_amount}, '.', '')) <= 1
          AND NOT starts_with(${r.tx_amount}, '.') AND NOT ends_with(${r.tx_amount}, '.')
          AND length(${r.tx_amount}) - coalesce(nullif(strpos(${r.tx_amount}, '.'), 0), length(${r.tx_amount})) <= 6
         THEN TRY_CAST(${r.tx_amount} AS DOUBLE) END AS amt,
    ${intOrNull('tx_time_seconds')} AS secs,
    TRY_CAST(${r.tx_time_days} AS BIGINT) AS days_in,
    ${intOrNull('tx_fraud')} AS fraud,
    ${intOrNull('tx_fraud_scenario')} AS scen
  FROM (${sourceSql})
), classified AS (
  SELECT *, ${reasonSql(dateRule)} AS reason
  FROM typed
)
SELECT line, reason,
  CASE WHEN reason IS NOT NULL THEN concat_ws(',', ${RAW_COLUMNS.map((c) => `coalesce(${r[c]}, '')`).join(', ')}) END AS raw_line,
  tid, ts, cust, term_missing, term, amt, secs, days_in, fraud, scen
FROM classified`;
}

/** The quarantine reason of a typed row (columns of `staged`), by the rules in the order above; NULL when it is kept. */
function reasonSql(dateRule: string): string {
  return `CASE
    WHEN tid IS NULL THEN 'bad_transaction_id'
    WHEN ts IS NULL THEN 'bad_datetime'
    WHEN cust IS NULL THEN 'bad_customer_id'
    WHEN abs(cust) = ${SENTINEL_CUSTOMER_ID} THEN 'sentinel_customer_id'
    WHEN NOT term_missing AND term IS NULL THEN 'bad_terminal_id'
    WHEN amt IS NULL OR amt < 0 THEN 'bad_amount'
    WHEN secs IS NULL THEN 'bad_time_seconds'
    WHEN fraud IS NULL OR fraud > 1 OR scen IS NULL OR scen > 3 THEN 'bad_label'
    WHEN ${dateRule} THEN 'implausible_datetime'
    WHEN amt > ${MAX_PLAUSIBLE_AMOUNT} THEN 'implausible_amount'
    WHEN (fraud = 1) <> (scen > 0) THEN 'inconsistent_label'
  END`;
}

/**
 * Appends typed rows (TYPED_COLUMNS, from `sourceSql`) to `staged`. They need no text checks: the normalizer sent
 * only fields that read as these types exactly as the text rules would read them, so only the rules on values run
 * here, and a rejected row's line is written back from its values (the normalizer's canonical fields make that
 * exact). Placeholders (no fields) get PENDING_REASON until `updateStagedSql` puts their text rows in their place.
 */
export function insertTypedSql(d: Dialect, sourceSql: string, day?: string): string {
  const back = ['CAST(tid AS VARCHAR)', d.formatTimestamp('ts'), 'CAST(cust AS VARCHAR)', 'CAST(term AS VARCHAR)', 'amt_text', ...['secs', 'days_in', 'fraud', 'scen'].map((c) => `CAST(${c} AS VARCHAR)`)];
  return `
INSERT INTO staged
WITH typed AS (
  SELECT line, tid, ts, cust, false AS term_missing, term, TRY_CAST(amt_text AS DOUBLE) AS amt, amt_text, secs, days_in, fraud, scen
  FROM (${sourceSql})
), classified AS (
  SELECT *, CASE WHEN tid IS NULL THEN '${PENDING_REASON}' ELSE ${reasonSql(implausibleDateSql(d, day))} END AS reason
  FROM typed
)
SELECT line, reason,
  CASE WHEN reason IS NOT NULL AND reason <> '${PENDING_REASON}' THEN concat_ws(',', ${back.join(', ')}) END AS raw_line,
  tid, ts, cust, term_missing, term, amt, secs, days_in, fraud, scen
FROM classified`;
}

/**
 * The `staged` table when typed rows come as the normalizer's column chunks (`chunkStagedColumns`): `staged`'s
 * columns, then the amount's text as digits and scale, from which a rejected row's text is written back.
 */
export const CREATE_CHUNK_STAGED_SQL = createStagedSql('staged', ', amt_digits BIGINT, amt_scale BIGINT');

/**
 * Where each column of `CREATE_CHUNK_STAGED_SQL`'s table comes from when chunk rows are appended to it: a column of
 * the chunk (ROW_CHUNK_COLUMNS), NULL (reason and raw line, set by `classifyChunkRowsSql`) or false.
 */
export const CHUNK_STAGED_SOURCES: readonly ((typeof ROW_CHUNK_COLUMNS)[number] | 'null' | 'false')[] = [
  'line', 'null', 'null', 'tid', 'ts', 'cust', 'false', 'term', 'amt', 'secs', 'days_in', 'fraud', 'scen', 'amt_digits', 'amt_scale',
];

/**
 * Classifies the chunk rows appended to `staged` (reason NULL until now), as `insertTypedSql` does typed rows read
 * from text: the rules on values only, and a rejected row's line written back from its values, the amount from its
 * digits and scale. Only rows a rule rejects are written; placeholders (tid -1) get PENDING_REASON until
 * `UPDATE_STAGED_SQL` puts their text rows in their place. Then the amount's digits and scale are dropped: `staged`
 * has its usual columns.
 */
export function classifyChunkRowsSql(d: Dialect, day?: string): string {
  // At least one digit before the '.' (lpad also cuts a longer text, so it only ever lengthens here).
  const digits = 'CAST(amt_digits AS VARCHAR)';
  const padded = `lpad(${digits}, CAST(greatest(length(${digits}), amt_scale + 1) AS INTEGER), '0')`;
  const amountText = `CASE WHEN amt_scale = 0 THEN ${digits} ELSE concat(left(${padded}, length(${padded}) - CAST(amt_scale AS INTEGER)), '.', right(${padded}, CAST(amt_scale AS INTEGER))) END`;
  const back = ['CAST(tid AS VARCHAR)', d.formatTimestamp('ts'), 'CAST(cust AS VARCHAR)', 'CAST(term AS VARCHAR)', amountText, ...['secs', 'days_in', 'fraud', 'scen'].map((c) => `CAST(${c} AS VARCHAR)`)];
  const reason = `CASE WHEN tid < 0 THEN '${PENDING_REASON}' ELSE ${reasonSql(implausibleDateSql(d, day))} END`;
  return `
UPDATE staged SET reason = ${reason},
  raw_line = CASE WHEN tid < 0 THEN NULL ELSE concat_ws(',', ${back.join(', ')}) END
WHERE reason IS NULL AND (${reason}) IS NOT NULL;
ALTER TABLE staged DROP COLUMN amt_digits;
ALTER TABLE staged DROP COLUMN amt_scale`;
}

/**
 * Puts the classified text rows of STAGED_TEXT in their placeholders' place in `staged`. Returns one row whose
 * first column is the number of rows replaced, which must be the number of text rows.
 */
export const UPDATE_STAGED_SQL = `
UPDATE staged SET reason = t.reason, raw_line = t.raw_line, tid = t.tid, ts = t.ts, cust = t.cust, term_missing = t.term_missing,
  term = t.term, amt = t.amt, secs = t.secs, days_in = t.days_in, fraud = t.fraud, scen = t.scen
FROM ${STAGED_TEXT} t WHERE staged.line = t.line AND staged.reason = '${PENDING_REASON}'`;

/** The smallest and largest id of `staged`'s valid rows (`lo`, `hi`; NULL when there are none). */
export const STAGED_ID_RANGE_SQL = 'SELECT min(tid) AS lo, max(tid) AS hi FROM staged WHERE reason IS NULL';

/**
 * Parts of the lake whose id range holds an id of this batch (only those are read for deduplication).
 * `partsValues` rows are (key VARCHAR, min_id BIGINT, max_id BIGINT), every range known.
 */
export function candidatePartsSql(partsValues: string): string {
  return `
SELECT DISTINCT p.key FROM (VALUES ${partsValues}) AS p(key, min_id, max_id)
JOIN (SELECT tid FROM staged WHERE reason IS NULL) s ON s.tid >= p.min_id AND s.tid <= p.max_id`;
}

/** Ids of this batch already present in the given lake parts (a relation from `engine.readParquet`). */
export function lakeIdsSql(lakeParts: string | undefined): string {
  const source = lakeParts
    ? `SELECT DISTINCT transaction_id AS tid FROM ${lakeParts} WHERE transaction_id IN (SELECT tid FROM staged WHERE reason IS NULL)`
    : 'SELECT CAST(NULL AS BIGINT) AS tid WHERE false';
  return `CREATE OR REPLACE TEMP TABLE lake_ids AS ${source}`;
}

/**
 * Lines dropped as duplicates, with whether the id was already in the lake. `suspectIds`, when known, holds every
 * id that may occur on more than one valid line (LineNormalizer's `suspectIds`): only their rows are grouped.
 */
export function duplicatesSql(d: Dialect, suspectIds?: readonly string[]): string {
  const lake = `SELECT s.line, true AS of_lake FROM ${d.semiJoin('staged s', 'lake_ids l', 's.tid = l.tid')} WHERE s.reason IS NULL`;
  if (suspectIds?.length === 0) return `CREATE OR REPLACE TEMP TABLE dup_lines AS ${lake}`;
  const only = suspectIds ? ` AND tid IN (${suspectIds.join(', ')})` : '';
  return `
CREATE OR REPLACE TEMP TABLE dup_lines AS
${lake}
UNION ALL
SELECT s.line, false AS of_lake
FROM staged s
JOIN (SELECT tid, min(line) AS first_line FROM staged WHERE reason IS NULL${only} GROUP BY tid HAVING count(*) > 1) d
  ON s.tid = d.tid AND s.line <> d.first_line
WHERE s.reason IS NULL AND s.tid NOT IN (SELECT tid FROM lake_ids)`;
}

/** The rows that go to the lake, in the lake's schema. */
export function keptSelectSql(d: Dialect, file: string): string {
  return keptRowsSql(d, { sourceFile: sqlString(file), sourceLine: 's.line', where: 's.reason IS NULL' });
}

/**
 * Where kept rows come from when `staged` holds more than one file: SQL over `s` (a `staged` row) for the file
 * name and line, which rows count, and optionally a `part` column instead of `day` to partition the write by.
 */
export interface KeptRows {
  sourceFile: string;
  sourceLine: string;
  where: string;
  part?: string;
}

/** The rows that go to the lake, in the lake's schema (with `part` instead of `day` when given). */
export function keptRowsSql(d: Dialect, o: KeptRows): string {
  return `
SELECT
  s.tid AS transaction_id,
  s.ts AS tx_datetime,
  abs(s.cust) AS customer_id,
  CASE WHEN s.term_missing THEN 0 ELSE s.term END AS terminal_id,
  s.amt AS tx_amount,
  s.secs AS tx_time_seconds,
  ${d.intDiv('s.secs', '86400')} AS tx_time_days,
  CAST(s.fraud AS TINYINT) AS tx_fraud,
  CAST(s.scen AS TINYINT) AS tx_fraud_scenario,
  s.term_missing AS terminal_id_missing,
  ${o.sourceFile} AS source_file,
  ${o.sourceLine} AS source_line,
  ${o.part ? `${o.part} AS part` : 'CAST(s.ts AS DATE) AS day'}
FROM ${d.antiJoin('staged s', 'dup_lines d', 's.line = d.line')}
WHERE ${o.where}`;
}

/** Counts for the file's account besides the kept rows': rows staged, duplicates, duplicates of the lake. */
export const ACCOUNT_SQL = `
SELECT
  (SELECT count(*) FROM staged) AS forwarded,
  (SELECT count(*) FROM dup_lines) AS duplicates,
  (SELECT count(*) FROM dup_lines WHERE of_lake) AS duplicates_of_lake`;

/**
 * The kept rows by day, in day order: their account counts (keptCountsSql) and id range, which are also the commit
 * record's parts. One pass over the kept rows serves the account and the parts.
 */
export function keptDaysSql(d: Dialect): string {
  return `
SELECT CAST(CAST(s.ts AS DATE) AS VARCHAR) AS day, ${keptCountsSql(d)}, min(s.tid) AS min_id, max(s.tid) AS max_id
FROM ${d.antiJoin('staged s', 'dup_lines d', 's.line = d.line')}
WHERE s.reason IS NULL
GROUP BY CAST(s.ts AS DATE)
ORDER BY day`;
}

/** The kept-row counts of an account (`kept`, then one per fix rule and flag) over kept rows `s`. */
export function keptCountsSql(d: Dialect): string {
  return `count(*) AS kept,
  ${d.countIf('s.cust < 0')} AS negative_customer_id,
  ${d.countIf('s.term_missing')} AS missing_terminal_id,
  ${d.countIf(`s.days_in IS DISTINCT FROM ${d.intDiv('s.secs', '86400')}`)} AS time_days_mismatch,
  ${d.countIf('s.amt = 0')} AS zero_amount`;
}

export const REASONS_SQL = `SELECT reason, count(*) AS n FROM staged WHERE reason IS NOT NULL GROUP BY reason`;
