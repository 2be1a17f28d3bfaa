/**
 * Batch feature SQL derived from the FeatureSpec (semantics in spec.ts). Sums are over integer cents, so they are
 * exact whatever order the engine adds them in. The windows are written the way the engine aggregates them best
 * (`Dialect.rangeWindows`), with the same integers either way:
 *   sliding  customer windows use a RANGE frame over epoch seconds, minus the same-second transactions with a
 *            larger id (in the frame's peer group but not yet "seen"); terminal windows use a frame that ends d
 *            days before the transaction.
 *   running  each window is a running total less an earlier one: a customer window of w days is the customer's
 *            transactions up to (t, id) in (time, id) order less those at or before t − w days; a terminal
 *            window is the terminal's transactions at or before t − d days less those at or before t − (d + w)
 *            days. No frame is aggregated twice, and no window is partitioned by (customer, second).
 * Amount outliers are flagged from the customer windows in exact integers, then counted over the w days before the
 * transaction's second, (t − w days, t − 1], a frame either way or a running total less an earlier one.
 */
import type { Dialect } from '../engine/Dialect.js';
import { featureNames, type FeatureSpec } from './spec.js';

const DAY = 86400;

/** `source` must expose transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud. */
export function featureSelectSql(dialect: Dialect, source: string, spec: FeatureSpec): string {
  const names = featureNames(spec);
  const custFeatures = spec.customerWindowsDays.flatMap((w) => [
    `CAST(c_n_${w} AS DOUBLE) AS CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`,
    `CAST(c_s_${w} AS DOUBLE) / CAST(c_n_${w} * 100 AS DOUBLE) AS CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`,
  ]);
  const termFeatures = spec.terminalWindowsDays.flatMap((w) => [
    `CAST(t_n_${w} AS DOUBLE) AS TERMINAL_ID_NB_TX_${w}DAY_WINDOW`,
    `CASE WHEN t_n_${w} = 0 THEN 0.0 ELSE CAST(t_f_${w} AS DOUBLE) / CAST(t_n_${w} AS DOUBLE) END AS TERMINAL_ID_RISK_${w}DAY_WINDOW`,
  ]);
  const ordered = [
    'CAST(tx_amount AS DOUBLE) AS TX_AMOUNT',
    `CAST(CASE WHEN ${dialect.dayOfWeek('tx_datetime')} IN (0, 6) THEN 1 ELSE 0 END AS DOUBLE) AS TX_DURING_WEEKEND`,
    `CAST(CASE WHEN hour(tx_datetime) <= ${spec.nightMaxHour} THEN 1 ELSE 0 END AS DOUBLE) AS TX_DURING_NIGHT`,
    ...custFeatures,
    ...termFeatures,
    ...spec.amountRatioWindowsDays.map(
      (r) => `CASE WHEN c_s_${r} = 0 THEN 1.0 ELSE CAST(cents * c_n_${r} AS DOUBLE) / CAST(c_s_${r} AS DOUBLE) END AS AMOUNT_TO_CUSTOMER_AVG_${r}DAY`,
    ),
    ...(spec.outlierWindowsDays ?? []).map((w) => `CAST(o_n_${w} AS DOUBLE) AS CUSTOMER_ID_NB_OUTLIERS_${w}DAY_WINDOW`),
  ];
  // Keep the SQL's output order tied to featureNames(): a mismatch would silently shuffle model inputs.
  const produced = ordered.map((e) => e.slice(e.lastIndexOf(' AS ') + 4));
  if (produced.join(',') !== names.join(',')) throw new Error(`feature SQL out of sync with the spec: ${produced.join(',')}`);
  return `
WITH base AS (
  SELECT transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud, tx_fraud_scenario,
    ${dialect.epochSeconds('tx_datetime')} AS t,
    CAST(round(tx_amount * 100) AS BIGINT) AS cents
  FROM (${source})
), ${dialect.rangeWindows === 'running' ? runningWindowsSql(spec) : slidingWindowsSql(spec)}${outlierSql(spec, dialect.rangeWindows === 'running')}
SELECT transaction_id, tx_datetime, customer_id, terminal_id, CAST(tx_fraud AS INTEGER) AS tx_fraud, tx_fraud_scenario,
  ${dialect.formatDay('tx_datetime')} AS day,
  ${ordered.join(',\n  ')}
FROM ${spec.outlierWindowsDays?.length ? 'outliers' : 'windows'}`;
}

/**
 * CTEs after `windows` for the amount-outlier counts (none without them): `flagged` marks each transaction whose
 * cents exceed ratio times the mean of the customer's other transactions of the base window, and `outliers` adds
 * o_n_<w>, the customer's outliers with time in (t − w days, t − 1].
 */
function outlierSql(spec: FeatureSpec, running: boolean): string {
  const windows = spec.outlierWindowsDays ?? [];
  if (windows.length === 0) return '';
  const b = spec.outlierBaseWindowDays!;
  const upTo = (s: number) => `coalesce(sum(outlier) OVER (PARTITION BY customer_id ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${s} PRECEDING), 0)`;
  const cols = windows.map((w) =>
    running
      ? `${upTo(1)} - ${upTo(w * DAY)} AS o_n_${w}`
      : `coalesce(sum(outlier) OVER (PARTITION BY customer_id ORDER BY t RANGE BETWEEN ${w * DAY - 1} PRECEDING AND 1 PRECEDING), 0) AS o_n_${w}`,
  );
  return `, flagged AS (
  SELECT *, CASE WHEN cents * (c_n_${b} - 1) > ${spec.outlierRatio} * (c_s_${b} - cents) THEN 1 ELSE 0 END AS outlier
  FROM windows
), outliers AS (
  SELECT *, ${cols.join(',\n    ')}
  FROM flagged
)`;
}

/**
 * CTEs from `base` to `windows`, which adds c_n_<w> and c_s_<w> (count and cents of customer window w) and t_n_<w>
 * and t_f_<w> (count and frauds of terminal window w) with sliding frames.
 */
function slidingWindowsSql(spec: FeatureSpec): string {
  const cols: string[] = [];
  for (const w of spec.customerWindowsDays) {
    const frame = `(PARTITION BY customer_id ORDER BY t RANGE BETWEEN ${w * DAY - 1} PRECEDING AND CURRENT ROW)`;
    cols.push(`count(*) OVER ${frame} - later_n AS c_n_${w}`, `sum(cents) OVER ${frame} - later_cents AS c_s_${w}`);
  }
  const d = spec.delayDays;
  for (const w of spec.terminalWindowsDays) {
    const frame = `(PARTITION BY terminal_id ORDER BY t RANGE BETWEEN ${(d + w) * DAY - 1} PRECEDING AND ${d * DAY} PRECEDING)`;
    cols.push(`count(*) OVER ${frame} AS t_n_${w}`, `coalesce(sum(tx_fraud) OVER ${frame}, 0) AS t_f_${w}`);
  }
  return `peers AS (
  SELECT *,
    count(*) OVER later AS later_n,
    coalesce(sum(cents) OVER later, 0) AS later_cents
  FROM base
  WINDOW later AS (PARTITION BY customer_id, t ORDER BY transaction_id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
), windows AS (
  SELECT *, ${cols.join(',\n    ')}
  FROM peers
)`;
}

/** The same columns as slidingWindowsSql, each a running total less an earlier one. */
function runningWindowsSql(spec: FeatureSpec): string {
  // Running totals up to a time: frames from UNBOUNDED PRECEDING to `s` seconds before the row, by customer or terminal.
  const upTo = (by: string, s: number) => `(PARTITION BY ${by} ORDER BY t RANGE BETWEEN UNBOUNDED PRECEDING AND ${s} PRECEDING)`;
  const totals: string[] = ['count(*) OVER seen AS c_seen_n', 'sum(cents) OVER seen AS c_seen_s'];
  const cols: string[] = [];
  for (const w of spec.customerWindowsDays) {
    totals.push(`count(*) OVER ${upTo('customer_id', w * DAY)} AS c_old_n_${w}`, `coalesce(sum(cents) OVER ${upTo('customer_id', w * DAY)}, 0) AS c_old_s_${w}`);
    cols.push(`c_seen_n - c_old_n_${w} AS c_n_${w}`, `c_seen_s - c_old_s_${w} AS c_s_${w}`);
  }
  const d = spec.delayDays;
  totals.push(`count(*) OVER ${upTo('terminal_id', d * DAY)} AS t_due_n`, `coalesce(sum(tx_fraud) OVER ${upTo('terminal_id', d * DAY)}, 0) AS t_due_f`);
  for (const w of spec.terminalWindowsDays) {
    const frame = upTo('terminal_id', (d + w) * DAY);
    totals.push(`count(*) OVER ${frame} AS t_old_n_${w}`, `coalesce(sum(tx_fraud) OVER ${frame}, 0) AS t_old_f_${w}`);
    cols.push(`t_due_n - t_old_n_${w} AS t_n_${w}`, `t_due_f - t_old_f_${w} AS t_f_${w}`);
  }
  return `running AS (
  SELECT *,
    ${totals.join(',\n    ')}
  FROM base
  -- (time, id) order: a same-second transaction with a larger id is not seen yet.
  WINDOW seen AS (PARTITION BY customer_id ORDER BY t, transaction_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), windows AS (
  SELECT *, ${cols.join(',\n    ')}
  FROM running
)`;
}
