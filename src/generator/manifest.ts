/**
 * The generator's sidecar manifest (`_manifest.json`): how the files were made and, per file, the exact number
 * of rows and of each injected defect, with the accounting preparation must reach (rows kept, duplicates
 * dropped, rows quarantined / fixed / flagged by reason), derived from NOISE_DEFECTS. Tests compare
 * preparation's quality report against it, so every number here is a count of what was written, not an estimate.
 */
import { NOISE_DEFECTS, type FixRule, type Flag, type NoiseDefect, type QuarantineReason } from '../quality.js';
import { zeroCounts } from './noisePlan.js';
import type { ResolvedOptions } from './options.js';

export const MANIFEST_NAME = '_manifest.json';
export const MANIFEST_FORMAT = 'fraudops.generator.manifest/1';

export interface FraudCounts {
  total: number;
  scenario1: number;
  scenario2: number;
  scenario3: number;
}

export interface ExpectedAccounting {
  /** Rows preparation keeps (clean, fixed and flagged rows; first copies of duplicated rows). */
  kept: number;
  /** Extra copies preparation drops. */
  duplicates: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  fixed: Partial<Record<FixRule, number>>;
  flagged: Partial<Record<Flag, number>>;
}

export interface ManifestFile {
  file: string;
  day: number;
  date: string;
  /** Data lines, header excluded, duplicates included. */
  rows: number;
  /** Distinct transactions simulated (rows minus duplicates). */
  transactions: number;
  /** Ids of this file's transactions are firstTransactionId .. firstTransactionId + transactions - 1. */
  firstTransactionId: number;
  bytes: number;
  /** Labels as generated (noise never changes tx_fraud / tx_fraud_scenario). */
  fraud: FraudCounts;
  defects: Record<NoiseDefect, number>;
  expected: ExpectedAccounting;
}

export interface ManifestTotals {
  files: number;
  rows: number;
  transactions: number;
  bytes: number;
  fraud: FraudCounts;
  defects: Record<NoiseDefect, number>;
  expected: ExpectedAccounting;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  seed: number;
  options: Omit<ResolvedOptions, 'out' | 'workers'>;
  population: { customers: number; terminals: number; activeCustomers: number };
  files: ManifestFile[];
  totals: ManifestTotals;
}

/** What preparation must report for a file with `rows` data lines and these injected defects. */
export function expectedAccounting(rows: number, defects: Record<NoiseDefect, number>): ExpectedAccounting {
  const e: ExpectedAccounting = { kept: 0, duplicates: 0, quarantined: {}, fixed: {}, flagged: {} };
  let quarantined = 0;
  for (const [name, how] of Object.entries(NOISE_DEFECTS) as [NoiseDefect, (typeof NOISE_DEFECTS)[NoiseDefect]][]) {
    const n = defects[name];
    if ('duplicate' in how) e.duplicates += n;
    if ('quarantine' in how) {
      e.quarantined[how.quarantine] = (e.quarantined[how.quarantine] ?? 0) + n;
      quarantined += n;
    }
    if ('fix' in how) e.fixed[how.fix] = (e.fixed[how.fix] ?? 0) + n;
    if ('flag' in how) e.flagged[how.flag] = (e.flagged[how.flag] ?? 0) + n;
  }
  e.kept = rows - e.duplicates - quarantined;
  return e;
}

export function sumFraud(list: FraudCounts[]): FraudCounts {
  const t: FraudCounts = { total: 0, scenario1: 0, scenario2: 0, scenario3: 0 };
  for (const f of list) {
    t.total += f.total;
    t.scenario1 += f.scenario1;
    t.scenario2 += f.scenario2;
    t.scenario3 += f.scenario3;
  }
  return t;
}

export function totalsOf(files: ManifestFile[]): ManifestTotals {
  const defects = zeroCounts();
  let rows = 0;
  let transactions = 0;
  let bytes = 0;
  for (const f of files) {
    rows += f.rows;
    transactions += f.transactions;
    bytes += f.bytes;
    for (const k of Object.keys(defects) as NoiseDefect[]) defects[k] += f.defects[k];
  }
  return {
    files: files.length,
    rows,
    transactions,
    bytes,
    fraud: sumFraud(files.map((f) => f.fraud)),
    defects,
    expected: expectedAccounting(rows, defects),
  };
}

export function buildManifest(
  o: ResolvedOptions,
  population: Manifest['population'],
  files: ManifestFile[],
): Manifest {
  // `out` and `workers` do not influence the bytes written, so they stay out of the record.
  const { out: _out, workers: _workers, ...options } = o;
  return { format: MANIFEST_FORMAT, seed: o.seed, options, population, files, totals: totalsOf(files) };
}
