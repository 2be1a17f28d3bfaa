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

/** Running aggregates over the history of one key (`customer_id`, `terminal_id`), named and deduplicated. */
class KeyHistory {
  constructor(
    private readonly key: string,
    private readonly prefix: string,
    private readonly columns: Map<string, string>,
  ) {}

  /** `count(*)` (no argument) or `sum(x)` over the key's rows up to and including this one in (t, id) order. */
  upTo(x?: string): string {
    return this.declare(`up_${x ?? 'n'}`, x, `(PARTITION BY ${this.key} ORDER BY t, transaction_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`);
  }

  /** `count(*)` or `sum(x)` over the key's rows with time ≤ t − `seconds` (0 when there are none). */
  atOrBefore(seconds: number, x?: string): string {
    return this.declare(
      `le${seconds}_${x ?? 'n'}`,
      x,
      `(PARTITION BY ${this.key} ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${seconds} PRECEDING)`,
    );
  }

  private declare(suffix: string, x: string | undefined, frame: string): string {
    const alias = `${this.prefix}_${suffix}`;
    if (!this.columns.has(alias)) this.columns.set(alias, x === undefined ? `count(*) OVER ${frame}` : `coalesce(sum(${x}) OVER ${frame}, 0)`);
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
 */
export function featureSelectSql(dialect: Dialect, source: string, spec: FeatureSpec, days: FeatureDays): string {
  const windows = new Map<string, string>();
  const customer = new KeyHistory('customer_id', 'c', windows);
  const terminal = new KeyHistory('terminal_id', 'm', windows);
  /** Customer transactions in (t − w days, t], up to this one: `count(*)` or `sum(x)`. */
  const customerWindow = (w: number, x?: string) => `(${customer.upTo(x)} - ${customer.atOrBefore(w * DAY, x)})`;
  /** Terminal transactions in (t − (d + w) days, t − d days]: `count(*)` or `sum(x)`. */
  const terminalWindow = (w: number, x?: string) =>
    `(${terminal.atOrBefore(spec.delayDays * DAY, x)} - ${terminal.atOrBefore((spec.delayDays + w) * DAY, x)})`;
  const double = (e: string) => `CAST(${e} AS DOUBLE)`;

  const features: [name: string, sql: string][] = [
    ['TX_AMOUNT', double('tx_amount')],
    ['TX_DURING_WEEKEND', double(`CASE WHEN ${dialect.dayOfWeek('tx_datetime')} IN (0, 6) THEN 1 ELSE 0 END`)],
    ['TX_DURING_NIGHT', double(`CASE WHEN hour(tx_datetime) <= ${spec.nightMaxHour} THEN 1 ELSE 0 END`)],
    ...spec.customerWindowsDays.flatMap((w): [string, string][] => [
      [`CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`, double(customerWindow(w))],
      [`CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`, `${double(customerWindow(w, 'cents'))} / ${double(`${customerWindow(w)} * 100`)}`],
    ]),
    ...spec.terminalWindowsDays.flatMap((w): [string, string][] => [
      [`TERMINAL_ID_NB_TX_${w}DAY_WINDOW`, double(terminalWindow(w))],
      [
        `TERMINAL_ID_RISK_${w}DAY_WINDOW`,
        `CASE WHEN ${terminalWindow(w)} = 0 THEN 0.0 ELSE ${double(terminalWindow(w, 'tx_fraud'))} / ${double(terminalWindow(w))} END`,
      ],
    ]),
    ...spec.amountRatioWindowsDays.map((w): [string, string] => [
      `AMOUNT_TO_CUSTOMER_AVG_${w}DAY`,
      `CASE WHEN ${customerWindow(w, 'cents')} = 0 THEN 1.0 ELSE ${double(`cents * ${customerWindow(w)}`)} / ${double(customerWindow(w, 'cents'))} END`,
    ]),
  ];
  // Keep the SQL's output order tied to featureNames(): a mismatch would silently shuffle model inputs.
  const produced = features.map(([name]) => name);
  if (produced.join(',') !== featureNames(spec).join(',')) throw new Error(`feature SQL out of sync with the spec: ${produced.join(',')}`);
  const ids = 'transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario';
  // Rows are sorted with the window aggregates as they are (integers), and the features (doubles) computed after,
  // so the sort moves fewer bytes; the outer projection keeps the sorted order.
  return `
WITH base AS (
  SELECT ${ids},
    ${dialect.epochSeconds('tx_datetime')} AS t,
    CAST(round(tx_amount * 100) AS BIGINT) AS cents
  FROM (${source})
), windows AS (
  SELECT ${ids}, t, cents,
    ${[...windows].map(([alias, sql]) => `${sql} AS ${alias}`).join(',\n    ')}
  FROM base
), ranged AS (
  SELECT * FROM windows
  WHERE t BETWEEN ${epochSeconds(days.from)} AND ${epochSeconds(days.to) + DAY - 1}
  ORDER BY t, transaction_id
)
SELECT transaction_id, tx_datetime, customer_id, terminal_id, CAST(tx_fraud AS INTEGER) AS tx_fraud, tx_fraud_scenario,
  ${dialect.formatDay('tx_datetime')} AS day,
  ${features.map(([name, sql]) => `${sql} AS ${name}`).join(',\n  ')}
FROM ranged`;
}

function epochSeconds(day: string): number {
  if (!isCalendarDate(day)) throw new Error(`not a calendar day: ${day}`);
  return Date.parse(`${day}T00:00:00Z`) / 1000;
}
