/** DuckDB's spelling of the functions engines disagree on. */
import { TIMESTAMP_SHAPE, type Dialect } from './Dialect.js';
import { sqlString } from './sql.js';

export const duckDbDialect: Dialect = {
  name: 'duckdb',
  // The regular expression is most of the cost of a row: skipped when the shape is known.
  tryParseTimestamp: (expr, shapeKnown) => {
    const parse = `TRY_STRPTIME(${expr}, '%Y-%m-%d %H:%M:%S')`;
    return `CASE ${shapeKnown ? `WHEN ${shapeKnown} THEN ${parse} ` : ''}WHEN regexp_full_match(${expr}, ${sqlString(TIMESTAMP_SHAPE)}) THEN ${parse} END`;
  },
  regexpFullMatch: (expr, pattern) => `regexp_full_match(${expr}, ${sqlString(pattern)})`,
  intDiv: (a, b) => `${a} // ${b}`,
  countIf: (condition) => `count(*) FILTER (WHERE ${condition})`,
  antiJoin: (left, right, on) => `${left} ANTI JOIN ${right} ON ${on}`,
  semiJoin: (left, right, on) => `${left} SEMI JOIN ${right} ON ${on}`,
  epochSeconds: (expr) => `CAST(epoch(${expr}) AS BIGINT)`,
  formatTimestamp: (expr) => `strftime(${expr}, '%Y-%m-%d %H:%M:%S')`,
  formatDay: (expr) => `strftime(${expr}, '%Y-%m-%d')`,
  dayOfWeek: (expr) => `dayofweek(${expr})`,
  daysBetween: (from, to) => `datediff('day', ${from}, ${to})`,
  rangeWindows: 'sliding',
};
