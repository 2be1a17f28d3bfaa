/** DuckDB's spelling of the functions engines disagree on. */
import { TIMESTAMP_SHAPE, type Dialect } from './Dialect.js';
import { sqlString } from './sql.js';

export const duckDbDialect: Dialect = {
  name: 'duckdb',
  tryParseTimestamp: (expr) => `CASE WHEN regexp_full_match(${expr}, ${sqlString(TIMESTAMP_SHAPE)}) THEN TRY_STRPTIME(${expr}, '%Y-%m-%d %H:%M:%S') END`,
  regexpFullMatch: (expr, pattern) => `regexp_full_match(${expr}, ${sqlString(pattern)})`,
  intDiv: (a, b) => `${a} // ${b}`,
  countIf: (condition) => `count(*) FILTER (WHERE ${condition})`,
  antiJoin: (left, right, on) => `${left} ANTI JOIN ${right} ON ${on}`,
  semiJoin: (left, right, on) => `${left} SEMI JOIN ${right} ON ${on}`,
  epochSeconds: (expr) => `CAST(epoch(${expr}) AS BIGINT)`,
  formatDay: (expr) => `strftime(${expr}, '%Y-%m-%d')`,
  dayOfWeek: (expr) => `dayofweek(${expr})`,
  daysBetween: (from, to) => `datediff('day', ${from}, ${to})`,
};
