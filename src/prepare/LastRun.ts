/**
 * The last preparation run's record of what it saw, kept in the lake next to the commit log. Commits say what
 * reached the lake; this says what did not: raw files whose content changed after they were processed and files
 * that could not be read at all. Every run re-detects both (neither is ever committed), so the last run's record
 * is the current set of problem files. One object, replaced by each run that finishes; the lake's data (parts,
 * quarantine, commits) does not depend on it.
 */
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { ChangedFile, FileAccount, FileProblem, QualityReport } from './report.js';
import { LAST_RUN_KEY } from '../lake/layout.js';

export interface LastRunRecord {
  format: 1;
  finishedAt: string;
  durationMs: number;
  raw: string;
  files: number;
  alreadyProcessed: number;
  changed: ChangedFile[];
  errors: FileProblem[];
  totals: FileAccount;
}

export async function writeLastRun(store: ObjectStore, report: QualityReport, signal?: AbortSignal): Promise<void> {
  const { rowsIn, kept, duplicates, duplicatesOfLake, quarantinedTotal, fixed, flagged, quarantined } = report;
  const record: LastRunRecord = {
    format: 1,
    finishedAt: new Date().toISOString(),
    durationMs: report.durationMs,
    raw: report.raw,
    files: report.files,
    alreadyProcessed: report.alreadyProcessed,
    changed: report.changed,
    errors: report.errors,
    totals: { rowsIn, kept, duplicates, duplicatesOfLake, quarantinedTotal, fixed, flagged, quarantined },
  };
  await store.write(LAST_RUN_KEY, `${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json', signal });
}

/** The record, or undefined when no run has finished (or the record does not parse: it is advisory, not lake state). */
export async function readLastRun(store: ObjectStore, signal?: AbortSignal): Promise<LastRunRecord | undefined> {
  if (!(await store.head(LAST_RUN_KEY, signal))) return undefined;
  try {
    const rec = JSON.parse((await store.readBytes(LAST_RUN_KEY, signal)).toString('utf8')) as LastRunRecord;
    return rec.format === 1 ? rec : undefined;
  } catch {
    return undefined;
  }
}
