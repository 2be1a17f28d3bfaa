/**
 * The one feature specification. Batch SQL (features over the lake) and the incremental per-transaction state
 * (the streaming scorer) are both derived from this object, and a test checks they agree bit for bit.
 *
 * Exact semantics (the streaming side must reproduce them to the last bit):
 * - Time is the transaction's `tx_datetime` as whole seconds since the Unix epoch, read as UTC. Transactions
 *   are totally ordered by (time, transaction_id).
 * - Customer windows of w days, for the transaction (t, id): the same customer's transactions with time in
 *   (t − w·86400, t] and (time, id) ≤ (t, id) — the current one included, a same-second transaction with a
 *   larger id not yet. NB_TX = their count; AVG_AMOUNT = (sum of amounts in integer cents) / (count · 100).
 * - Terminal windows of w days with label delay d: the same terminal's transactions with time in
 *   (t − (d + w)·86400, t − d·86400]. NB_TX = count; RISK = frauds / count, and 0 when count is 0.
 * - TX_DURING_WEEKEND = 1 on Saturday and Sunday (UTC), else 0. TX_DURING_NIGHT = 1 when the hour ≤ 6.
 * - AMOUNT_TO_CUSTOMER_AVG_<w>DAY = (amount cents · count) / (sum of cents) over the customer window w, for each
 *   w in amountRatioWindowsDays; 1 when the sum is 0. Every ratio is one IEEE-754 division of exact integers, so any engine gets the same double.
 * Amounts are taken in integer cents (rounded half away from zero), which keeps sums exact in any order.
 */
import { createHash } from 'node:crypto';
import { FraudopsError } from '../errors.js';

export interface FeatureSpec {
  version: number;
  customerWindowsDays: readonly number[];
  terminalWindowsDays: readonly number[];
  /** Label delay for terminal risk windows, in days. */
  delayDays: number;
  nightMaxHour: number;
  /** Customer windows for which the amount-to-average ratio is a feature (each must be a customer window). */
  amountRatioWindowsDays: readonly number[];
  /**
   * An amount outlier is a transaction whose cents exceed `outlierRatio` times the mean of the customer's other
   * transactions in the customer window `outlierBaseWindowDays` (cents · (n − 1) > ratio · (sum − cents), with n
   * and sum over that window, the transaction included). CUSTOMER_ID_NB_OUTLIERS_<w>DAY_WINDOW counts the
   * customer's outliers with time in (t − w·86400, t − 1]: the days before the current second.
   */
  outlierRatio?: number;
  outlierBaseWindowDays?: number;
  outlierWindowsDays?: readonly number[];
}

export const DEFAULT_FEATURE_SPEC: FeatureSpec = Object.freeze({
  version: 1,
  customerWindowsDays: Object.freeze([1, 7, 30]),
  terminalWindowsDays: Object.freeze([1, 7, 30]),
  delayDays: 7,
  nightMaxHour: 6,
  amountRatioWindowsDays: Object.freeze([1, 7, 30]),
  // Stolen cards spend ×5 on a third of their transactions for 14 days: earlier outliers mark a stolen card.
  outlierRatio: 3,
  outlierBaseWindowDays: 30,
  outlierWindowsDays: Object.freeze([7, 14]),
});

/** Feature column names in model input order. */
export function featureNames(spec: FeatureSpec = DEFAULT_FEATURE_SPEC): string[] {
  return [
    'TX_AMOUNT',
    'TX_DURING_WEEKEND',
    'TX_DURING_NIGHT',
    ...spec.customerWindowsDays.flatMap((w) => [`CUSTOMER_ID_NB_TX_${w}DAY_WINDOW`, `CUSTOMER_ID_AVG_AMOUNT_${w}DAY_WINDOW`]),
    ...spec.terminalWindowsDays.flatMap((w) => [`TERMINAL_ID_NB_TX_${w}DAY_WINDOW`, `TERMINAL_ID_RISK_${w}DAY_WINDOW`]),
    ...spec.amountRatioWindowsDays.map((w) => `AMOUNT_TO_CUSTOMER_AVG_${w}DAY`),
    ...(spec.outlierWindowsDays ?? []).map((w) => `CUSTOMER_ID_NB_OUTLIERS_${w}DAY_WINDOW`),
  ];
}

/** How far back the windows reach: rows this many days before the first output day are needed as history. */
export function historyDays(spec: FeatureSpec = DEFAULT_FEATURE_SPEC): number {
  return Math.max(customerHistoryDays(spec), spec.delayDays + Math.max(...spec.terminalWindowsDays));
}

/**
 * How many days of a customer's past transactions give its features exactly: the longest customer window, or an
 * outlier count's window plus the base window each outlier in it was judged against. A scorer rebuilding
 * customer state from the lake reads this far back.
 */
export function customerHistoryDays(spec: FeatureSpec = DEFAULT_FEATURE_SPEC): number {
  const outliers = spec.outlierWindowsDays?.length ? Math.max(...spec.outlierWindowsDays) + spec.outlierBaseWindowDays! : 0;
  return Math.max(...spec.customerWindowsDays, outliers);
}

/** Stable hash of the spec; models record it and refuse features built from another spec. */
export function featureSpecHash(spec: FeatureSpec = DEFAULT_FEATURE_SPEC): string {
  const canonical = JSON.stringify({ ...spec, names: featureNames(spec) }, Object.keys({ ...spec, names: 0 }).sort());
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function validateSpec(spec: FeatureSpec): void {
  const lists = [spec?.customerWindowsDays, spec?.terminalWindowsDays, spec?.amountRatioWindowsDays];
  if (!lists.every((l) => Array.isArray(l) && l.length > 0)) {
    throw new FraudopsError('FEATURE_SPEC_INVALID', 'feature spec: customer, terminal and amount-ratio windows must be non-empty lists');
  }
  const positiveInts = [...spec.customerWindowsDays, ...spec.terminalWindowsDays, ...spec.amountRatioWindowsDays];
  if (positiveInts.some((w) => !Number.isInteger(w) || w <= 0) || !Number.isInteger(spec.delayDays) || spec.delayDays < 1) {
    throw new FraudopsError('FEATURE_SPEC_INVALID', 'feature spec: windows must be positive whole days and the label delay at least one day');
  }
  if (!spec.amountRatioWindowsDays.every((w) => spec.customerWindowsDays.includes(w))) {
    throw new FraudopsError('FEATURE_SPEC_INVALID', 'feature spec: every amount ratio window must be one of the customer windows');
  }
  // The online state holds each customer's longest window, so nothing may reach further back than that.
  const longest = Math.max(...spec.customerWindowsDays);
  const within = (ws: readonly number[] | undefined) => (ws ?? []).every((w) => Number.isInteger(w) && w > 0 && w <= longest);
  if (!within(spec.outlierWindowsDays)) {
    throw new FraudopsError('FEATURE_SPEC_INVALID', `feature spec: outlier windows must be whole days from 1 to the longest customer window (${longest})`);
  }
  if (spec.outlierWindowsDays?.length) {
    if (!Number.isInteger(spec.outlierRatio) || spec.outlierRatio! < 1 || !spec.customerWindowsDays.includes(spec.outlierBaseWindowDays!)) {
      throw new FraudopsError('FEATURE_SPEC_INVALID', 'feature spec: outlier counts need a whole outlierRatio ≥ 1 and an outlierBaseWindowDays that is a customer window');
    }
  }
}
