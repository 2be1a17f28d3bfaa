/**
 * Batch feature SQL derived from the FeatureSpec (semantics in spec.ts). Customer windows use a RANGE frame over
 * epoch seconds, minus the same-second transactions with a larger id (in the frame's peer group but not yet
 * "seen"). Terminal windows use a frame that ends d days before the transaction. Amount outliers are flagged from
 * the customer windows in exact integers, then counted over a frame that ends one second before the transaction.
 * Sums are over integer cents, so they are exact whatever order the engine adds them in.
 */
import type { Dialect } from '../engine/Dialect.js';
import { featureNames, type FeatureSpec } from './spec.js';

const DAY = 86400;

/** `source` must expose transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_fraud. */
export function featureSelectSql(dialect: Dialect, source: string, spec: FeatureSpec): string {
  const names = featureNames(spec);
  const custCols: string[] = [];
  const custFeatures: string[] = [];
  for (const w of spec.customerWindowsDays) {
    const frame = `(PARTITION BY customer_id ORDER BY t RANGE BETWEEN ${w * DAY - 1} PRECEDING AND CURRENT ROW)`;
    custCols.push(`count(*) OVER ${frame} - later_n AS c_n_${w}`, `sum(cents) OVER ${frame} - later_cents AS c_s_${w}`);
    custFeatures.push(
      `CAST(c_n_${w} AS DOUBLE) AS CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`,
      `CAST(c_s_${w} AS DOUBLE) / CAST(c_n_${w} * 100 AS DOUBLE) AS CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`,
    );
  }
  const termCols: string[] = [];
  const termFeatures: string[] = [];
  const d = spec.delayDays;
  for (const w of spec.terminalWindowsDays) {
    const frame = `(PARTITION BY terminal_id ORDER BY t RANGE BETWEEN ${(d + w) * DAY - 1} PRECEDING AND ${d * DAY} PRECEDING)`;
    termCols.push(`count(*) OVER ${frame} AS t_n_${w}`, `coalesce(sum(tx_fraud) OVER ${frame}, 0) AS t_f_${w}`);
    termFeatures.push(
      `CAST(t_n_${w} AS DOUBLE) AS TERMINAL_ID_NB_TX_${w}DAY_WINDOW`,
      `CASE WHEN t_n_${w} = 0 THEN 0.0 ELSE CAST(t_f_${w} AS DOUBLE) / CAST(t_n_${w} AS DOUBLE) END AS TERMINAL_ID_RISK_${w}DAY_WINDOW`,
    );
  }
  // Amount-outlier counts: a window that ends one second before the transaction, so same-second ones never count.
  const outlierCols: string[] = [];
  const outlierFeatures: string[] = [];
  for (const w of spec.outlierWindowsDays ?? []) {
    outlierCols.push(`coalesce(sum(outlier) OVER (PARTITION BY customer_id ORDER BY t RANGE BETWEEN ${w * DAY - 1} PRECEDING AND 1 PRECEDING), 0) AS o_n_${w}`);
    outlierFeatures.push(`CAST(o_n_${w} AS DOUBLE) AS CUSTOMER_ID_NB_OUTLIERS_${w}DAY_WINDOW`);
  }
  const baseWindow = spec.outlierBaseWindowDays;
  const ordered = [
    'CAST(tx_amount AS DOUBLE) AS TX_AMOUNT',
    `CAST(CASE WHEN ${dialect.dayOfWeek('tx_datetime')} IN (0, 6) THEN 1 ELSE 0 END AS DOUBLE) AS TX_DURING_WEEKEND`,
    `CAST(CASE WHEN hour(tx_datetime) <= ${spec.nightMaxHour} THEN 1 ELSE 0 END AS DOUBLE) AS TX_DURING_NIGHT`,
    ...custFeatures,
    ...termFeatures,
    ...spec.amountRatioWindowsDays.map(
      (r) => `CASE WHEN c_s_${r} = 0 THEN 1.0 ELSE CAST(cents * c_n_${r} AS DOUBLE) / CAST(c_s_${r} AS DOUBLE) END AS AMOUNT_TO_CUSTOMER_AVG_${r}DAY`,
    ),
    ...outlierFeatures,
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
), peers AS (
  SELECT *,
    count(*) OVER later AS later_n,
    coalesce(sum(cents) OVER later, 0) AS later_cents
  FROM base
  WINDOW later AS (PARTITION BY customer_id, t ORDER BY transaction_id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
), windows AS (
  SELECT *, ${[...custCols, ...termCols].join(',\n    ')}
  FROM peers
)${
    outlierCols.length === 0
      ? ''
      : `, flagged AS (
  SELECT *, CASE WHEN cents * (c_n_${baseWindow} - 1) > ${spec.outlierRatio} * (c_s_${baseWindow} - cents) THEN 1 ELSE 0 END AS outlier
  FROM windows
), outliers AS (
  SELECT *, ${outlierCols.join(',\n    ')}
  FROM flagged
)`
  }
SELECT transaction_id, tx_datetime, customer_id, terminal_id, CAST(tx_fraud AS INTEGER) AS tx_fraud, tx_fraud_scenario,
  ${dialect.formatDay('tx_datetime')} AS day,
  ${ordered.join(',\n  ')}
FROM ${outlierCols.length === 0 ? 'windows' : 'outliers'}`;
}
