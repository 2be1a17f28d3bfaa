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
 *
 * To add a feature: add its name in spec.ts and one entry in `features` below. The running aggregates it reads
 * (`customer.upTo(...)`, `terminal.atOrBefore(...)`, or a new key's history) are declared by that entry and
 * computed once, however many features read them.
 */
import type { Dialect } from '../engine/Dialect.js';
import { isCalendarDate } from '../util/dates.js';
import { featureNames, type FeatureSpec } from './spec.js';

const DAY = 86400;
/**
 * Offset of fraud rows on the `fraud_t` order key (t for legitimate rows, t + FRAUD_BAND for frauds): far beyond any
 * span of epoch seconds, so a RANGE frame of days over that key sees one band only.
 */
const FRAUD_BAND = 2 ** 40;

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

  /** `count(*)` (no argument) or `sum(x)` over the key's rows up to and including this one in (t, id) order. */
  upTo(x?: string): string {
    return this.aggregate(`up_${x ?? 'n'}`, x, `(PARTITION BY ${this.key} ORDER BY t, transaction_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`);
  }

  /** `count(*)` or `sum(x)` over the key's rows with time ≤ t − `seconds` (0 when there are none). */
  atOrBefore(seconds: number, x?: string): string {
    return this.aggregate(`le${seconds}_${x ?? 'n'}`, x, `(PARTITION BY ${this.key} ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${seconds} PRECEDING)`);
  }

  /**
   * The key's rows with time in (t − `fromAgo`, t − `toAgo`] (seconds, fromAgo > toAgo ≥ 1), counted, and those of
   * them that are frauds. Both from `count(*)` frames only, which engines compute from the frame's bounds, where a
   * `sum` of labels would need a tree of partial sums: ordered by `fraud_t`, a row's own band holds the rows with
   * its label; for a fraud, the legitimate rows of the window lie FRAUD_BAND below, for a legitimate row the
   * frauds lie FRAUD_BAND above (the other direction's frame is empty). Engines that re-aggregate a bounded frame
   * for every row (`rangeWindows: 'running'`, Spark) get two running totals each instead.
   */
  labelsIn(fromAgo: number, toAgo: number): { n: string; frauds: string } {
    const tag = `${fromAgo}_${toAgo}`;
    if (this.rangeWindows === 'running') {
      return {
        n: this.value(`n${tag}`, `${this.atOrBefore(toAgo)} - ${this.atOrBefore(fromAgo)}`),
        frauds: this.value(`f${tag}`, `${this.atOrBefore(toAgo, 'tx_fraud')} - ${this.atOrBefore(fromAgo, 'tx_fraud')}`),
      };
    }
    const frame = (bounds: string) => `(PARTITION BY ${this.key} ORDER BY fraud_t RANGE BETWEEN ${bounds})`;
    const same = this.aggregate(`same${tag}`, undefined, frame(`${fromAgo - 1} PRECEDING AND ${toAgo} PRECEDING`));
    const below = this.aggregate(`below${tag}`, undefined, frame(`${FRAUD_BAND + fromAgo - 1} PRECEDING AND ${FRAUD_BAND + toAgo} PRECEDING`));
    const above = this.aggregate(`above${tag}`, undefined, frame(`${FRAUD_BAND - fromAgo + 1} FOLLOWING AND ${FRAUD_BAND - toAgo} FOLLOWING`));
    return {
      n: this.value(`n${tag}`, `${same} + ${below} + ${above}`),
      frauds: this.value(`f${tag}`, `CASE WHEN tx_fraud = 1 THEN ${same} ELSE ${above} END`),
    };
  }

  /** A column this pass's aggregates read, computed from values of earlier passes. */
  input(name: string, sql: string): string {
    if (!this.inputs.has(name)) this.inputs.set(name, sql);
    return name;
  }

  /** A named BIGINT value computed from this key's aggregates; features read it by the returned name. */
  value(name: string, sql: string): string {
    const alias = `${this.prefix}_${name}`;
    if (!this.values.has(alias)) this.values.set(alias, `CAST(${sql} AS BIGINT)`);
    return alias;
  }

  private aggregate(suffix: string, x: string | undefined, frame: string): string {
    const alias = `${this.prefix}_${suffix}`;
    if (!this.aggregates.has(alias)) this.aggregates.set(alias, x === undefined ? `count(*) OVER ${frame}` : `coalesce(sum(${x}) OVER ${frame}, 0)`);
    return alias;
  }
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
 */
export function featureSelectSql(dialect: Dialect, source: string, spec: FeatureSpec, days: FeatureDays, keep?: string): string {
  const terminal = new KeyHistory('terminal', 'terminal_id', 'm', dialect.rangeWindows);
  const customer = new KeyHistory('customer', 'customer_id', 'c', dialect.rangeWindows);
  /** Customer transactions in (t − w days, t], up to this one: `count(*)` or `sum(x)`. */
  const customerWindow = (w: number, x?: string) =>
    customer.value(`${x ?? 'n'}${w}`, `${customer.upTo(x)} - ${customer.atOrBefore(w * DAY, x)}`);
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
    return outliers.value(`n${w}`, `${outliers.atOrBefore(1, flag)} - ${outliers.atOrBefore(w * DAY, flag)}`);
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
  // One CTE pair per key: its window pass, then its values (the raw aggregates are dropped there). Rows are
  // sorted with these integers, and the features (doubles) computed after the sort, so every pass and the sort
  // move fewer bytes; the outer projection keeps the sorted order.
  let carried = ['transaction_id', 'tx_datetime', 'customer_id', 'terminal_id', 'tx_amount', 'tx_fraud', 'tx_fraud_scenario', 't', 'cents', 'fraud_t'];
  const passes: string[] = [];
  let from = 'base';
  const histories = [terminal, customer, outliers].filter((h) => h.aggregates.size > 0);
  for (const [i, history] of histories.entries()) {
    if (history.inputs.size > 0) {
      passes.push(`${history.name}_inputs AS (\n  SELECT ${carried.join(', ')},\n    ${[...history.inputs].map(([a, sql]) => `${sql} AS ${a}`).join(',\n    ')}\n  FROM ${from}\n)`);
      carried = [...carried, ...history.inputs.keys()];
      from = `${history.name}_inputs`;
    }
    const [windowsCte, valuesCte] = [`${history.name}_windows`, `${history.name}_values`];
    passes.push(
      `${windowsCte} AS (\n  SELECT ${carried.join(', ')},\n    ${[...history.aggregates].map(([a, sql]) => `${sql} AS ${a}`).join(',\n    ')}\n  FROM ${from}\n)`,
      `${valuesCte} AS (\n  SELECT ${carried.join(', ')},\n    ${[...history.values].map(([a, sql]) => `${sql} AS ${a}`).join(',\n    ')}\n  FROM ${windowsCte}\n)`,
    );
    const laterUse = histories.slice(i + 1).some((h) => [...h.aggregates.values()].some((sql) => sql.includes('fraud_t')));
    carried = [...carried.filter((c) => c !== 'fraud_t' || laterUse), ...history.values.keys()];
    from = valuesCte;
  }
  return `
WITH base AS (
  SELECT transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario,
    ${dialect.epochSeconds('tx_datetime')} AS t,
    CAST(round(tx_amount * 100) AS BIGINT) AS cents,
    ${dialect.epochSeconds('tx_datetime')} + CASE WHEN tx_fraud = 1 THEN ${FRAUD_BAND} ELSE 0 END AS fraud_t
  FROM (${source})
), ${passes.join(', ')}, in_days AS (
  SELECT ${carried.filter((c) => c !== 'fraud_t').join(', ')}, ${dialect.formatDay('tx_datetime')} AS day FROM ${from}
  WHERE t BETWEEN ${epochSeconds(days.from)} AND ${epochSeconds(days.to) + DAY - 1}
), ranged AS (
  SELECT * FROM in_days${keep ? ` WHERE ${keep}` : ''}
  ORDER BY t, transaction_id
)
SELECT transaction_id, tx_datetime, customer_id, terminal_id, CAST(tx_fraud AS INTEGER) AS tx_fraud, tx_fraud_scenario, day,
  ${features.map(([name, sql]) => `${sql} AS ${name}`).join(',\n  ')}
FROM ranged`;
}

function epochSeconds(day: string): number {
  if (!isCalendarDate(day)) throw new Error(`not a calendar day: ${day}`);
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}
