/** Spark SQL's spelling of the functions engines disagree on (see Dialect.ts). */
import { TIMESTAMP_SHAPE, type Dialect } from '../Dialect.js';
import { sqlString } from '../sql.js';

export const sparkDialect: Dialect = {
  name: 'spark',
  // The engine's sessions use TIMESTAMP_NTZ as TIMESTAMP, so this is a timestamp without time zone, as in DuckDB.
  // One-letter fields take one or two digits (the shape allows them, as DuckDB's %m, %d, %H, %M and %S do).
  tryParseTimestamp: (expr) => `CASE WHEN ${expr} RLIKE ${sqlString(`^${TIMESTAMP_SHAPE}$`)} THEN try_to_timestamp(${expr}, 'yyyy-M-d H:m:s') END`,
  // Literals are written the portable way: the engine re-quotes every statement for Spark (toSparkSql).
  regexpFullMatch: (expr, pattern) => `(${expr} RLIKE ${sqlString(`^(?:${pattern})$`)})`,
  intDiv: (a, b) => `(${a} div ${b})`,
  countIf: (condition) => `count_if(${condition})`,
  antiJoin: (left, right, on) => `${left} LEFT ANTI JOIN ${right} ON ${on}`,
  semiJoin: (left, right, on) => `${left} LEFT SEMI JOIN ${right} ON ${on}`,
  // Sessions run in UTC, so the wall-clock timestamp read as UTC gives the same seconds as DuckDB's epoch().
  epochSeconds: (expr) => `unix_seconds(CAST(${expr} AS TIMESTAMP_LTZ))`,
  formatTimestamp: (expr) => `date_format(${expr}, 'yyyy-MM-dd HH:mm:ss')`,
  formatDay: (expr) => `date_format(${expr}, 'yyyy-MM-dd')`,
  // Spark counts from 1 = Sunday.
  dayOfWeek: (expr) => `(dayofweek(${expr}) - 1)`,
  daysBetween: (from, to) => `datediff(${to}, ${from})`,
  // Spark's sliding frame re-aggregates the frame for every row (a 30-day window: ~60 rows per row); a frame
  // from UNBOUNDED PRECEDING is carried along.
  rangeWindows: 'running',
};
