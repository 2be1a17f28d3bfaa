/**
 * The SQL function differences between engines, in one object per engine. SQL builders (cleaning rules, feature
 * windows, datasets) take a `Dialect` and call it wherever engines disagree, so the statements themselves stay
 * portable: DuckDB's `TRY_STRPTIME`, `regexp_full_match`, `//`, `ANTI JOIN` and `FILTER` are spelled
 * differently in Spark SQL (`try_to_timestamp`, `RLIKE`, `div`, `LEFT ANTI JOIN`, `count_if`).
 */

/**
 * The text `tryParseTimestamp` accepts, the same on every engine: a four-digit year, one- or two-digit month, day,
 * hour, minute and second, one space, nothing around it. Engines' own parsers differ at the edges (DuckDB skips
 * surrounding and repeated spaces and reads two-digit years; Spark reads a three-digit month), so each dialect
 * checks this shape before it parses.
 */
export const TIMESTAMP_SHAPE = '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2} [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}';

export interface Dialect {
  readonly name: string;
  /**
   * Parses `expr` as `YYYY-MM-DD HH:MM:SS` (TIMESTAMP_SHAPE); NULL when it does not parse (hour 24 does not).
   * `shapeKnown`, when given, is a SQL condition that holds only for texts already known to have that shape:
   * an engine may skip its shape check for them (the result is the same either way).
   */
  tryParseTimestamp(expr: string, shapeKnown?: string): string;
  /** True when the whole of `expr` matches the regular expression `pattern`. */
  regexpFullMatch(expr: string, pattern: string): string;
  /** Integer division rounding toward negative infinity, for non-negative operands. */
  intDiv(a: string, b: string): string;
  /** Number of rows where `condition` holds. */
  countIf(condition: string): string;
  /** `left` rows with no match in `right` on `on`: `left ANTI JOIN right ON on`. Both are aliased relations. */
  antiJoin(left: string, right: string, on: string): string;
  /** `left` rows with a match in `right` on `on`. */
  semiJoin(left: string, right: string, on: string): string;
  /** Whole seconds since the Unix epoch of a TIMESTAMP. */
  epochSeconds(expr: string): string;
  /** A TIMESTAMP of whole seconds as `YYYY-MM-DD HH:MM:SS` text (a four-digit year). */
  formatTimestamp(expr: string): string;
  /** A TIMESTAMP or DATE as `YYYY-MM-DD` text. */
  formatDay(expr: string): string;
  /** Day of the week of a TIMESTAMP or DATE: 0 = Sunday ... 6 = Saturday. */
  dayOfWeek(expr: string): string;
  /** Days from DATE `from` to DATE `to`. */
  daysBetween(from: string, to: string): string;
  /**
   * How window aggregates over a time range are best written. `sliding`: a frame `BETWEEN a PRECEDING AND b
   * PRECEDING` (DuckDB aggregates it with a segment tree), and a count with a sum over the same frame packed into
   * one aggregate of 64-bit integers, since each aggregate costs a pass over the frames. `running`: the difference
   * of two running totals, frames from UNBOUNDED PRECEDING, because the engine re-aggregates a sliding frame's
   * every row for each row (Spark: rows × frame size) but carries a running one along (rows). Both give the same
   * integers.
   */
  readonly rangeWindows: 'sliding' | 'running';
}
