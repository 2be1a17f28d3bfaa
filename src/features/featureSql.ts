/**
 * Batch feature SQL derived from the FeatureSpec (semantics in spec.ts). Every windowed value is a difference of
 * two running aggregates over one key's history, so a key's features need one sort of its rows, and the sums
 * are over integers (cents, labels), exact whatever order an engine adds them in:
 * - "up to this transaction": `count(*)` / `sum(x)` over the key's rows in (t, transaction_id) order, up to and
 *   including the current row (a same-second transaction with a larger id is not yet seen);
 * - "at or before t − s": the same over rows with time ≤ t − s (a RANGE frame over epoch seconds ending s
 *   seconds before the current row).
 * A customer window of w days is "up to this transaction" minus "at or before t − w days"; a terminal window of
 * w days with label delay d is "at or before t − d days" minus "at or before t − (d + w) days".
 * On engines that aggregate sliding frames (`rangeWindows: 'sliding'`, DuckDB) a count and a sum over the same
 * frame are one aggregate: `sum(x · 2^32 + 1)` (a 128-bit sum) holds the count in its low 32 bits and the sum of x
 * above, exact for non-negative integers x below 2^31 (cents: prepare keeps amounts ≤ 1,000,000, so cents ≤ 10^8;
 * a larger x fails on the 64-bit product) and windows of fewer than 2^32 rows. Each aggregate costs the engine a
 * pass over its frames, so this halves the work.
 *
 * To add a feature: add its name in spec.ts and one entry in `features` below. The running aggregates it reads
 * (`customer.upTo(...)`, `terminal.atOrBefore(...)`, or a new key's history) are declared by that entry and
 * computed once, however many features read them.
 */
import type { Dialect } from '../engine/Dialect.js';
import { dayStartSeconds } from '../util/dates.js';
import { featureNames, type FeatureSpec } from './spec.js';

const DAY = 86400;
/** Where the sum starts in a packed count-and-sum aggregate (`sum(x · PACK + 1)`): the count is the low 32 bits. */
const PACK = 2 ** 32;

/**
 * The window values of one key (`customer_id`, `terminal_id`): running aggregates over the key's history, all in
 * one window pass (one sort), combined right after into the integer values features read (`value`), so only
 * those travel on through the next key's pass and the final sort.
 */
class KeyHistory {
  /** Columns computed from earlier passes' values before this pass (what its aggregates read). */
  readonly inputs = new Map<string, string>();
  readonly aggregates = new Map<string, string>();
  readonly values = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly key: string,
    private readonly prefix: string,
    private readonly rangeWindows: Dialect['rangeWindows'],
  ) {}

  /**
   * `count(*)` (no argument) or `sum(x)` over the key's rows up to and including this one in (t, id) order.
   * `name` names the aggregate when x is an expression rather than a column.
   */
  upTo(x?: string, name = x): string {
    return this.aggregate(`up_${name ?? 'n'}`, x, `(PARTITION BY ${this.key} ORDER BY t, transaction_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`);
  }

  /** `count(*)` or `sum(x)` over the key's rows with time ≤ t − `seconds` (0 when there are none). */
  atOrBefore(seconds: number, x?: string, name = x): string {
    return this.aggregate(`le${seconds}_${name ?? 'n'}`, x, `(PARTITION BY ${this.key} ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${seconds} PRECEDING)`);
  }

  /**
   * The count and the sum of `x` (a non-negative integer column below 2^31) over the key's rows in the window
   * "up to this transaction" minus "at or before t − `seconds`": one packed running total each side
   * (`rangeWindows: 'sliding'`) or a count and a sum each side (`'running'`).
   */
  countAndSum(seconds: number, x: string): { n: string; sum: string } {
    if (this.rangeWindows === 'running') {
      return {
        n: this.value(`n${seconds}`, `${this.upTo()} - ${this.atOrBefore(seconds)}`),
        sum: this.value(`${x}${seconds}`, `${this.upTo(x)} - ${this.atOrBefore(seconds, x)}`),
      };
    }
    const packed = `${x} * ${PACK} + 1`;
    return unpack(this, `${x}${seconds}`, `${this.upTo(packed, `packed_${x}`)} - ${this.atOrBefore(seconds, packed, `packed_${x}`)}`);
  }

  /**
   * The key's rows with time in (t − `fromAgo`, t − `toAgo`] (seconds, fromAgo > toAgo ≥ 1), counted, and those of
   * them that are frauds. Engines that aggregate sliding frames (`rangeWindows: 'sliding'`, DuckDB) get both from
   * one packed sum over that frame, `sum(tx_fraud · 2^32 + 1)`; engines that re-aggregate a bounded frame for every
   * row (`'running'`, Spark) get two running totals each side instead.
   */
  labelsIn(fromAgo: number, toAgo: number): { n: string; frauds: string } {
    const tag = `${fromAgo}_${toAgo}`;
    if (this.rangeWindows === 'running') {
      return {
        n: this.value(`n${tag}`, `${this.atOrBefore(toAgo)} - ${this.atOrBefore(fromAgo)}`),
        frauds: this.value(`f${tag}`, `${this.atOrBefore(toAgo, 'tx_fraud')} - ${this.atOrBefore(fromAgo, 'tx_fraud')}`),
      };
    }
    const frame = `(PARTITION BY ${this.key} ORDER BY t RANGE BETWEEN ${fromAgo - 1} PRECEDING AND ${toAgo} PRECEDING)`;
    const { n, sum } = unpack(this, tag, this.aggregate(`nf${tag}`, `CAST(tx_fraud AS BIGINT) * ${PACK} + 1`, frame));
    return { n, frauds: sum };
  }

  /**
   * The sum of `x` over the key's rows with time in (t − `fromAgo`, t − `toAgo`] (seconds, fromAgo > toAgo ≥ 1): one
   * sliding frame (`rangeWindows: 'sliding'`) or the difference of two running totals (`'running'`).
   */
  sumIn(fromAgo: number, toAgo: number, x: string): string {
    const tag = `${x}${fromAgo}_${toAgo}`;
    if (this.rangeWindows === 'running') return this.value(tag, `${this.atOrBefore(toAgo, x)} - ${this.atOrBefore(fromAgo, x)}`);
    const frame = `(PARTITION BY ${this.key} ORDER BY t RANGE BETWEEN ${fromAgo - 1} PRECEDING AND ${toAgo} PRECEDING)`;
    return this.value(tag, this.aggregate(`in_${tag}`, x, frame));
  }

  /** A column this pass's aggregates read, computed from values of earlier passes. */
  input(name: string, sql: string): string {
    if (!this.inputs.has(name)) this.inputs.set(name, sql);
    return name;
  }

  /** A named integer value computed from this key's aggregates; features read it by the returned name. */
  value(name: string, sql: string, type: 'BIGINT' | 'HUGEINT' = 'BIGINT'): string {
    const alias = `${this.prefix}_${name}`;
    if (!this.values.has(alias)) this.values.set(alias, `CAST(${sql} AS ${type})`);
    return alias;
  }

  private aggregate(suffix: string, x: string | undefined, frame: string): string {
    const alias = `${this.prefix}_${suffix}`;
    if (!this.aggregates.has(alias)) this.aggregates.set(alias, x === undefined ? `count(*) OVER ${frame}` : `coalesce(sum(${x}) OVER ${frame}, 0)`);
    return alias;
  }
}

/**
 * The count (low 32 bits) and the sum (the bits above) of a packed window total. The total is kept as one 128-bit
 * value of `key` (`p<tag>`), so passes and the final sort carry one column for the two, and split with bit
 * operations where it is read (128-bit division would take longer than the window pass itself).
 */
function unpack(key: KeyHistory, tag: string, total: string): { n: string; sum: string } {
  const packed = key.value(`p${tag}`, total, 'HUGEINT');
  return { n: `CAST(${packed} & ${PACK - 1} AS BIGINT)`, sum: `CAST(${packed} >> 32 AS BIGINT)` };
}

/** Days [from, to] (UTC calendar days, `YYYY-MM-DD`) whose rows get features; rows before are history only. */
export interface FeatureDays {
  from: string;
  to: string;
}

/**
 * The feature rows of `days`, ordered by (time, transaction id): ids, label, scenario, `day` (`YYYY-MM-DD`) and
 * the spec's features in featureNames() order. `source` must expose transaction_id, tx_datetime, customer_id,
 * terminal_id, tx_amount, tx_fraud and tx_fraud_scenario, and hold the windows' history before `days.from`.
 * `keep`, when given, is a predicate over transaction_id, customer_id, tx_fraud and day: only those rows are
 * returned (their features still see every row of the history).
 *
 * `terminals`, when given, is a relation with the terminal windows' values of the rows (`terminalValuesSql`, over
 * the whole lake): the terminal pass is then not run, and `source` need only hold whole customers' histories (a
 * bucket of customers), which is how feature building splits a lake larger than memory.
 */
export function featureSelectSql(dialect: Dialect, source: string, spec: FeatureSpec, days: FeatureDays, keep?: string, terminals?: string): string {
  const { terminal, customer, outliers, features } = featurePlan(dialect, spec);
  const { ctes, carried, from } = windowPasses(terminals === undefined ? [terminal, customer, outliers] : [customer, outliers]);
  // With `terminals`, their values join the rows of the asked days (an inner join: history rows have none).
  const joined = terminals === undefined ? [] : [...terminal.values.keys()];
  const columns = [...carried.map((c) => (joined.length > 0 ? `p.${c}` : c)), ...joined.map((c) => `tv.${c}`)];
  const rows = joined.length > 0 ? `${from} AS p JOIN (${terminals}) AS tv ON p.transaction_id = tv.transaction_id` : from;
  return `
WITH ${baseCte(dialect, source)}, ${ctes.join(', ')}, in_days AS (
  SELECT ${columns.join(', ')}, ${dialect.formatDay(joined.length > 0 ? 'p.tx_datetime' : 'tx_datetime')} AS day FROM ${rows}
  WHERE ${joined.length > 0 ? 'p.' : ''}t BETWEEN ${dayStartSeconds(days.from)} AND ${dayStartSeconds(days.to) + DAY - 1}
), ranged AS (
  SELECT * FROM in_days${keep ? ` WHERE ${keep}` : ''}
  ORDER BY t, transaction_id
)
SELECT transaction_id, tx_datetime, customer_id, terminal_id, CAST(tx_fraud AS INTEGER) AS tx_fraud, tx_fraud_scenario, day,
  ${features.map(([name, sql]) => `${sql} AS ${name}`).join(',\n  ')}
FROM ranged`;
}

/**
 * The terminal windows' values of the rows of `days` (transaction_id, customer_id and the integers the terminal
 * features read), for `featureSelectSql(..., terminals)`. `source` as there, every customer of it.
 */
export function terminalValuesSql(dialect: Dialect, source: string, spec: FeatureSpec, days: FeatureDays): string {
  const { terminal } = featurePlan(dialect, spec);
  // Only what the terminal pass reads and the join needs travels through it.
  const { ctes, from } = windowPasses([terminal], ['transaction_id', 'customer_id', 'terminal_id', 't', 'tx_fraud']);
  return `
WITH ${baseCte(dialect, source)}, ${ctes.join(', ')}
SELECT transaction_id, customer_id, ${[...terminal.values.keys()].join(', ')} FROM ${from}
WHERE t BETWEEN ${dayStartSeconds(days.from)} AND ${dayStartSeconds(days.to) + DAY - 1}`;
}

function baseCte(dialect: Dialect, source: string): string {
  return `base AS (
  SELECT transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario,
    ${integerColumns(dialect)}
  FROM (${source})
)`;
}

/** The integers every window reads: time `t` in epoch seconds and the amount in `cents`. */
function integerColumns(dialect: Dialect): string {
  return `${dialect.epochSeconds('tx_datetime')} AS t, CAST(round(tx_amount * 100) AS BIGINT) AS cents`;
}

/**
 * The rows of `source` as the feature scan reads them (scan/FeatureScan.ts, `SCAN_COLUMNS`): ids, time, label and
 * scenario as BIGINT (the time as TIMESTAMP), the amount as DOUBLE, and `t` and `cents` by the same expressions as
 * the SQL's, so both implementations work on the same integers. `orderBy`: sorted by (t, transaction_id).
 * `integers: false`: without `t` and `cents` (the first seven columns), for the scan to work them out itself where
 * it can do so exactly (`deriveIntegers`).
 */
export function scanRowsSql(dialect: Dialect, source: string, orderBy = false, integers = true): string {
  return `SELECT CAST(transaction_id AS BIGINT) AS transaction_id, CAST(tx_datetime AS TIMESTAMP) AS tx_datetime,
  CAST(customer_id AS BIGINT) AS customer_id, CAST(terminal_id AS BIGINT) AS terminal_id, CAST(tx_fraud AS BIGINT) AS tx_fraud,
  CAST(tx_fraud_scenario AS BIGINT) AS tx_fraud_scenario, CAST(tx_amount AS DOUBLE) AS tx_amount${integers ? `, ${integerColumns(dialect)}` : ''}
FROM (${source})${orderBy ? ' ORDER BY t, transaction_id' : ''}`;
}

/** The key histories and the features reading them (each feature registers the window values it needs). */
function featurePlan(dialect: Dialect, spec: FeatureSpec): { terminal: KeyHistory; customer: KeyHistory; outliers: KeyHistory; features: [name: string, sql: string][] } {
  const terminal = new KeyHistory('terminal', 'terminal_id', 'm', dialect.rangeWindows);
  const customer = new KeyHistory('customer', 'customer_id', 'c', dialect.rangeWindows);
  /** Customer transactions in (t − w days, t], up to this one: `count(*)` or `sum(x)`. */
  const customerWindow = (w: number, x?: 'cents') => {
    const { n, sum } = customer.countAndSum(w * DAY, 'cents');
    return x === undefined ? n : sum;
  };
  /** Terminal transactions in (t − (d + w) days, t − d days]: how many, and how many were frauds. */
  const terminalWindow = (w: number) => terminal.labelsIn((spec.delayDays + w) * DAY, spec.delayDays * DAY);
  const double = (e: string) => `CAST(${e} AS DOUBLE)`;
  // Amount outliers (spec.ts) are judged on the customer's window values, so they are counted in a customer pass
  // of their own after the customer pass: outliers with time in (t − w days, t − 1].
  const outliers = new KeyHistory('outlier', 'customer_id', 'o', dialect.rangeWindows);
  const outlierCount = (w: number) => {
    const b = spec.outlierBaseWindowDays!;
    const flag = outliers.input(
      'outlier',
      `CASE WHEN cents * (${customerWindow(b)} - 1) > ${spec.outlierRatio} * (${customerWindow(b, 'cents')} - cents) THEN 1 ELSE 0 END`,
    );
    return outliers.sumIn(w * DAY, 1, flag);
  };

  const features: [name: string, sql: string][] = [
    ['TX_AMOUNT', double('tx_amount')],
    ['TX_DURING_WEEKEND', double(`CASE WHEN ${dialect.dayOfWeek('tx_datetime')} IN (0, 6) THEN 1 ELSE 0 END`)],
    ['TX_DURING_NIGHT', double(`CASE WHEN hour(tx_datetime) <= ${spec.nightMaxHour} THEN 1 ELSE 0 END`)],
    ...spec.customerWindowsDays.flatMap((w): [string, string][] => [
      [`CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`, double(customerWindow(w))],
      [`CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`, `${double(customerWindow(w, 'cents'))} / ${double(`${customerWindow(w)} * 100`)}`],
    ]),
    ...spec.terminalWindowsDays.flatMap((w): [string, string][] => [
      [`TERMINAL_ID_NB_TX_${w}DAY_WINDOW`, double(terminalWindow(w).n)],
      [
        `TERMINAL_ID_RISK_${w}DAY_WINDOW`,
        `CASE WHEN ${terminalWindow(w).n} = 0 THEN 0.0 ELSE ${double(terminalWindow(w).frauds)} / ${double(terminalWindow(w).n)} END`,
      ],
    ]),
    ...spec.amountRatioWindowsDays.map((w): [string, string] => [
      `AMOUNT_TO_CUSTOMER_AVG_${w}DAY`,
      `CASE WHEN ${customerWindow(w, 'cents')} = 0 THEN 1.0 ELSE ${double(`cents * ${customerWindow(w)}`)} / ${double(customerWindow(w, 'cents'))} END`,
    ]),
    ...(spec.outlierWindowsDays ?? []).map((w): [string, string] => [`CUSTOMER_ID_NB_OUTLIERS_${w}DAY_WINDOW`, double(outlierCount(w))]),
  ];
  // Keep the SQL's output order tied to featureNames(): a mismatch would silently shuffle model inputs.
  const produced = features.map(([name]) => name);
  if (produced.join(',') !== featureNames(spec).join(',')) throw new Error(`feature SQL out of sync with the spec: ${produced.join(',')}`);
  return { terminal, customer, outliers, features };
}

/**
 * One CTE pair per key: its window pass, then its values (the raw aggregates are dropped there). Rows are
 * sorted with these integers, and the features (doubles) computed after the sort, so every pass and the sort
 * move fewer bytes; the outer projection keeps the sorted order.
 */
function windowPasses(
  keys: KeyHistory[],
  columns = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount', 'tx_fraud', 'tx_fraud_scenario', 't', 'cents'],
): { ctes: string[]; carried: string[]; from: string } {
  let carried = columns;
  const ctes: string[] = [];
  let from = 'base';
  for (const history of keys.filter((h) => h.aggregates.size > 0)) {
    if (history.inputs.size > 0) {
      ctes.push(`${history.name}_inputs AS (\n  SELECT ${carried.join(', ')},\n    ${[...history.inputs].map(([a, sql]) => `${sql} AS ${a}`).join(',\n    ')}\n  FROM ${from}\n)`);
      carried = [...carried, ...history.inputs.keys()];
      from = `${history.name}_inputs`;
    }
    const [windowsCte, valuesCte] = [`${history.name}_windows`, `${history.name}_values`];
    ctes.push(
      `${windowsCte} AS (\n  SELECT ${carried.join(', ')},\n    ${[...history.aggregates].map(([a, sql]) => `${sql} AS ${a}`).join(',\n    ')}\n  FROM ${from}\n)`,
      `${valuesCte} AS (\n  SELECT ${carried.join(', ')},\n    ${[...history.values].map(([a, sql]) => `${sql} AS ${a}`).join(',\n    ')}\n  FROM ${windowsCte}\n)`,
    );
    // A pass's inputs are read by its aggregates only: its values carry on, the inputs stop here.
    carried = [...carried.filter((c) => !history.inputs.has(c)), ...history.values.keys()];
    from = valuesCte;
  }
  return { ctes, carried, from };
}

