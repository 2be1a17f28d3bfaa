/**
 * What the Data quality page shows, read from the lake alone: each commit's account of its raw file (rows in,
 * kept, fixed, duplicates, quarantined by reason), the days its rows landed on, the quarantined lines
 * themselves, and the last preparation run's record of files that changed or could not be read.
 */
import { createInterface } from 'node:readline';
import { CommitLog, type CommitRecord } from '../../lake/CommitLog.js';
import { readLastRun, type LastRunRecord } from '../../prepare/LastRun.js';
import type { FileAccount } from '../../prepare/report.js';
import type { ObjectStore } from '../../storage/ObjectStore.js';
import { FraudopsError } from '../../errors.js';

export interface FileQuality {
  seq: number;
  file: string;
  committedAt: string;
  /** The day the file is about: its name's date, else the first day its rows landed on. */
  day: string;
  /** Rows kept per transaction day. */
  keptByDay: Record<string, number>;
  account: FileAccount;
  quarantineKey?: string;
}

export interface QualityOverview {
  lake: string;
  files: FileQuality[];
  lastRun?: LastRunRecord;
}

export async function readQuality(lake: ObjectStore, signal?: AbortSignal): Promise<QualityOverview> {
  const log = await CommitLog.load(lake, signal);
  const latest = [...log.ledger().values()].sort((a, b) => a.seq - b.seq);
  return { lake: lake.uri, files: latest.map(fileQuality), lastRun: await readLastRun(lake, signal) };
}

function fileQuality(c: CommitRecord): FileQuality {
  const keptByDay: Record<string, number> = {};
  for (const p of c.parts) keptByDay[p.day] = (keptByDay[p.day] ?? 0) + p.rows;
  const named = /(\d{4}-\d{2}-\d{2})/.exec(c.raw.key)?.[1];
  const day = named ?? Object.keys(keptByDay).sort()[0] ?? c.committedAt.slice(0, 10);
  return { seq: c.seq, file: c.raw.key, committedAt: c.committedAt, day, keptByDay, account: c.account, quarantineKey: c.quarantine?.key };
}

export interface QuarantinedLine {
  file: string;
  line: number;
  reason: string;
  /** The line as text; null when it was not text (then `raw_base64` holds its bytes). */
  raw: string | null;
  raw_base64?: string | null;
}

export interface QuarantinePage {
  file: string;
  reason?: string;
  offset: number;
  lines: QuarantinedLine[];
  /** Lines matching the filter in the whole file. */
  total: number;
}

/** One page of a committed file's quarantined lines, optionally of one reason. */
export async function readQuarantine(
  lake: ObjectStore,
  file: string,
  o: { reason?: string; offset?: number; limit?: number; signal?: AbortSignal } = {},
): Promise<QuarantinePage> {
  const offset = Math.max(0, o.offset ?? 0);
  const limit = Math.min(1000, Math.max(1, o.limit ?? 100));
  const commit = (await CommitLog.load(lake, o.signal)).ledger().get(file);
  if (!commit) throw new FraudopsError('RESOURCE_NOT_FOUND', `no raw file ${file} was committed to ${lake.uri}`, { context: { file } });
  const page: QuarantinePage = { file, reason: o.reason, offset, lines: [], total: 0 };
  if (!commit.quarantine) return page;
  const rl = createInterface({ input: await lake.read(commit.quarantine.key, { signal: o.signal }), crlfDelay: Infinity });
  for await (const text of rl) {
    if (text.trim() === '') continue;
    const rec = JSON.parse(text) as QuarantinedLine;
    if (o.reason && rec.reason !== o.reason) continue;
    if (page.total >= offset && page.lines.length < limit) page.lines.push(rec);
    page.total++;
  }
  return page;
}
