/**
 * Compares a preparation quality report with the generator's manifest (the ground truth of injected defects).
 * Returns the differences; an empty list means every row was accounted for exactly as generated.
 */
import type { ExpectedAccounting, Manifest } from '../generator/manifest.js';
import { FIX_RULES, FLAGS, QUARANTINE_REASONS } from '../quality.js';
import type { FileAccount } from './report.js';

export interface AccountDifference {
  file: string;
  field: string;
  expected: number;
  actual: number;
}

export function compareAccount(file: string, expected: ExpectedAccounting & { rows: number }, actual: FileAccount): AccountDifference[] {
  const diffs: AccountDifference[] = [];
  const check = (field: string, e: number, a: number) => {
    if (e !== a) diffs.push({ file, field, expected: e, actual: a });
  };
  check('rowsIn', expected.rows, actual.rowsIn);
  check('kept', expected.kept, actual.kept);
  check('duplicates', expected.duplicates, actual.duplicates);
  for (const r of FIX_RULES) check(`fixed.${r}`, expected.fixed[r] ?? 0, actual.fixed[r]);
  for (const f of FLAGS) check(`flagged.${f}`, expected.flagged[f] ?? 0, actual.flagged[f]);
  for (const q of QUARANTINE_REASONS) check(`quarantined.${q}`, expected.quarantined[q] ?? 0, actual.quarantined[q]);
  return diffs;
}

/** Per file (for files the report processed) and in total when the report covers every file of the manifest. */
export function compareWithManifest(report: FileAccount & { perFile: Array<FileAccount & { file: string }> }, manifest: Manifest): AccountDifference[] {
  const byFile = new Map(manifest.files.map((f) => [f.file, f]));
  const diffs: AccountDifference[] = [];
  for (const pf of report.perFile) {
    const m = byFile.get(pf.file);
    if (!m) {
      diffs.push({ file: pf.file, field: 'file', expected: 0, actual: 1 });
      continue;
    }
    diffs.push(...compareAccount(pf.file, { ...m.expected, rows: m.rows }, pf));
  }
  if (report.perFile.length === manifest.files.length) {
    diffs.push(...compareAccount('(total)', { ...manifest.totals.expected, rows: manifest.totals.rows }, report));
  }
  return diffs;
}
