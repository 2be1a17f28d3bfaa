/**
 * The quality report of a preparation run: an exact account of every raw row. For each file and for the run,
 * `rowsIn = kept + duplicates + quarantinedTotal` holds; `fixed` and `flagged` count kept rows that were
 * repaired or marked, so they are part of `kept`, not in addition to it.
 */
import { FIX_RULES, FLAGS, QUARANTINE_REASONS, type FileAccount } from '../quality.js';

export { addAccount, balances, emptyAccount, type FileAccount } from '../quality.js';

export interface FileReport extends FileAccount {
  file: string;
  headerStyle: 'course' | 'csv';
  crlfLines: number;
  days: string[];
  commitSeq: number;
}

export interface FileProblem {
  file: string;
  code: string;
  message: string;
  line?: number;
}

export interface ChangedFile {
  file: string;
  processed: { size: number; etag: string; sha256: string; commitSeq: number };
  now: { size: number; etag: string };
}

export interface QualityReport extends FileAccount {
  ok: boolean;
  raw: string;
  lake: string;
  /** Files processed (committed) by this run. */
  files: number;
  /** Files seen before and unchanged. */
  alreadyProcessed: number;
  /** Files whose content changed after they were processed: reported, never reprocessed silently. */
  changed: ChangedFile[];
  /** Files that could not be read as transactions at all; nothing of them reached the lake. */
  errors: FileProblem[];
  perFile: FileReport[];
  durationMs: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');

export function formatReport(r: QualityReport): string {
  const lines: string[] = [];
  lines.push(`prepare ${r.raw} → ${r.lake}: ${r.ok ? 'ok' : 'with errors'} in ${(r.durationMs / 1000).toFixed(1)} s`);
  lines.push(`  files: ${r.files} processed, ${r.alreadyProcessed} already in the lake, ${r.changed.length} changed, ${r.errors.length} unreadable`);
  lines.push(`  rows in:      ${fmt(r.rowsIn)}`);
  lines.push(`  kept:         ${fmt(r.kept)}`);
  for (const rule of FIX_RULES) if (r.fixed[rule]) lines.push(`    fixed ${rule}: ${fmt(r.fixed[rule])}`);
  for (const flag of FLAGS) if (r.flagged[flag]) lines.push(`    flagged ${flag}: ${fmt(r.flagged[flag])}`);
  lines.push(`  duplicates:   ${fmt(r.duplicates)}${r.duplicatesOfLake ? ` (${fmt(r.duplicatesOfLake)} already in the lake)` : ''}`);
  lines.push(`  quarantined:  ${fmt(r.quarantinedTotal)}`);
  for (const reason of QUARANTINE_REASONS) if (r.quarantined[reason]) lines.push(`    ${reason}: ${fmt(r.quarantined[reason])}`);
  for (const c of r.changed) {
    lines.push(`  CHANGED ${c.file}: processed as ${c.processed.size} bytes (commit ${c.processed.commitSeq}), now ${c.now.size} bytes; not reprocessed`);
  }
  for (const e of r.errors) lines.push(`  ERROR ${e.file}${e.line ? `:${e.line}` : ''} [${e.code}] ${e.message}`);
  return lines.join('\n');
}
