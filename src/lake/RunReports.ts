/**
 * The lake's record of preparation runs. Commits say what reached the lake; these say what a run saw that did
 * not: raw files whose content changed after they were processed and files that could not be read at all.
 * A run writes one only when it processed something or found a problem, so idle reruns leave the lake as it was.
 */
import type { ObjectStore } from '../storage/ObjectStore.js';
import type { ChangedFile, FileAccount, FileProblem, QualityReport } from '../prepare/report.js';
import { REPORTS_PREFIX, runReportKey } from './layout.js';

export interface RunReportRecord {
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

export function shouldRecord(report: QualityReport): boolean {
  return report.files > 0 || report.changed.length > 0 || report.errors.length > 0;
}

export async function appendRunReport(store: ObjectStore, report: QualityReport, signal?: AbortSignal): Promise<void> {
  const finishedAt = new Date();
  const { rowsIn, kept, duplicates, duplicatesOfLake, quarantinedTotal, fixed, flagged, quarantined } = report;
  const record: RunReportRecord = {
    format: 1,
    finishedAt: finishedAt.toISOString(),
    durationMs: report.durationMs,
    raw: report.raw,
    files: report.files,
    alreadyProcessed: report.alreadyProcessed,
    changed: report.changed,
    errors: report.errors,
    totals: { rowsIn, kept, duplicates, duplicatesOfLake, quarantinedTotal, fixed, flagged, quarantined },
  };
  await store.write(runReportKey(finishedAt, process.pid), `${JSON.stringify(record, null, 2)}\n`, { contentType: 'application/json', signal });
}

/** Every recorded run, oldest first; records that do not parse are skipped (they are advisory, not lake state). */
export async function loadRunReports(store: ObjectStore, signal?: AbortSignal): Promise<RunReportRecord[]> {
  const out: RunReportRecord[] = [];
  for (const info of await store.list(REPORTS_PREFIX, signal)) {
    if (!info.key.endsWith('.json')) continue;
    try {
      const rec = JSON.parse((await store.readBytes(info.key, signal)).toString('utf8')) as RunReportRecord;
      if (rec.format === 1) out.push(rec);
    } catch {
      // a half-readable advisory record must not hide the rest
    }
  }
  return out.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}
