/**
 * The vocabulary shared by the generator's noise manifest and the preparation quality report. The generator
 * promises how many rows of each class it wrote; preparation reports how many it saw. Tests compare the two,
 * so both sides name classes from these lists only.
 */

/** Rules that repair a row in place; the row is kept. */
export const FIX_RULES = [
  /** customer_id < 0 (but not the -999999 sentinel): replaced by its absolute value. */
  'negative_customer_id',
  /** terminal_id is `Err`, `None` or empty: set to 0 and flagged in `terminal_id_missing`. */
  'missing_terminal_id',
  /** tx_time_days missing or disagreeing with floor(tx_time_seconds / 86400): recomputed from the seconds. */
  'time_days_mismatch',
] as const;
export type FixRule = (typeof FIX_RULES)[number];

/** Kept unchanged but flagged, because the value is suspicious yet plausible. */
export const FLAGS = [
  /** tx_amount = 0: kept (zero-amount authorisations are real and a known card-testing signal). */
  'zero_amount',
] as const;
export type Flag = (typeof FLAGS)[number];

/** Why a row went to quarantine instead of the lake. */
export const QUARANTINE_REASONS = [
  /** A line with a number of comma-separated fields other than 9. */
  'column_count',
  /** A line that is not valid UTF-8 text or holds control bytes (binary garbage). */
  'not_text',
  /** A line longer than the 64 KiB a transaction row can plausibly need. */
  'line_too_long',
  /** An empty line between rows. */
  'blank_line',
  /** A last line with no newline that does not parse as a full row (cut-off write). */
  'truncated_line',
  'bad_transaction_id',
  /** tx_datetime missing or unparseable (e.g. hour 24): the course drops these rows. */
  'bad_datetime',
  'bad_customer_id',
  /** customer_id is +999999 or -999999, a placeholder for an unknown customer: no true customer to attribute. */
  'sentinel_customer_id',
  'bad_terminal_id',
  'bad_amount',
  'bad_time_seconds',
  'bad_label',
  /** A field in double quotes: quoted CSV is not the raw format (a file whose header is quoted is rejected whole). */
  'quoted_field',
  /**
   * tx_datetime more than 7 days from the day in the file's name (or, without one, before 1970 or over a day
   * in the future): a corrupt date that would land in another day's partition and stretch every training window.
   */
  'implausible_datetime',
  /** tx_amount above 1,000,000: no card transaction of this population is that large; a corrupt or shifted field. */
  'implausible_amount',
  /** tx_fraud = 1 with scenario 0, or tx_fraud = 0 with a fraud scenario: the label cannot be trusted either way. */
  'inconsistent_label',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/** Defects the generator's `--noise course` mode injects, each mapped to how preparation must classify it. */
export const NOISE_DEFECTS = {
  terminal_missing: { fix: 'missing_terminal_id' },
  bad_datetime: { quarantine: 'bad_datetime' },
  time_days_mismatch: { fix: 'time_days_mismatch' },
  duplicate_within_file: { duplicate: true },
  duplicate_across_files: { duplicate: true },
  negative_customer_id: { fix: 'negative_customer_id' },
  sentinel_customer_id: { quarantine: 'sentinel_customer_id' },
  zero_amount: { flag: 'zero_amount' },
} as const satisfies Record<string, { fix?: FixRule; quarantine?: QuarantineReason; duplicate?: true; flag?: Flag }>;
export type NoiseDefect = keyof typeof NOISE_DEFECTS;

/** The course header line, typo included. */
export const COURSE_HEADER =
  '# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario';

/** Canonical column names of a raw transaction row, in file order. */
export const RAW_COLUMNS = [
  'transaction_id',
  'tx_datetime',
  'customer_id',
  'terminal_id',
  'tx_amount',
  'tx_time_seconds',
  'tx_time_days',
  'tx_fraud',
  'tx_fraud_scenario',
] as const;

/** Customer id used as "unknown customer" in the course data; the generator never assigns it to a real customer. */
export const SENTINEL_CUSTOMER_ID = 999999;

/**
 * The account of a file's rows (and, summed, of a run's): `rowsIn = kept + duplicates + quarantinedTotal`;
 * `fixed` and `flagged` count kept rows that were repaired or marked, so they are part of `kept`.
 */
export interface FileAccount {
  rowsIn: number;
  kept: number;
  duplicates: number;
  /** Of `duplicates`: ids already in the lake before this file. */
  duplicatesOfLake: number;
  quarantinedTotal: number;
  fixed: Record<FixRule, number>;
  flagged: Record<Flag, number>;
  quarantined: Record<QuarantineReason, number>;
}

export function emptyAccount(): FileAccount {
  return {
    rowsIn: 0,
    kept: 0,
    duplicates: 0,
    duplicatesOfLake: 0,
    quarantinedTotal: 0,
    fixed: Object.fromEntries(FIX_RULES.map((r) => [r, 0])) as Record<FixRule, number>,
    flagged: Object.fromEntries(FLAGS.map((r) => [r, 0])) as Record<Flag, number>,
    quarantined: Object.fromEntries(QUARANTINE_REASONS.map((r) => [r, 0])) as Record<QuarantineReason, number>,
  };
}

export function addAccount(into: FileAccount, a: FileAccount): void {
  into.rowsIn += a.rowsIn;
  into.kept += a.kept;
  into.duplicates += a.duplicates;
  into.duplicatesOfLake += a.duplicatesOfLake;
  into.quarantinedTotal += a.quarantinedTotal;
  for (const r of FIX_RULES) into.fixed[r] += a.fixed[r];
  for (const r of FLAGS) into.flagged[r] += a.flagged[r];
  for (const r of QUARANTINE_REASONS) into.quarantined[r] += a.quarantined[r];
}

/** True when the account balances; preparation refuses to commit a file whose account does not. */
export function balances(a: FileAccount): boolean {
  const q = QUARANTINE_REASONS.reduce((s, r) => s + a.quarantined[r], 0);
  return q === a.quarantinedTotal && a.rowsIn === a.kept + a.duplicates + a.quarantinedTotal;
}
