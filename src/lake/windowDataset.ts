/**
 * A window of lake days described as a dataset the way MLflow records run inputs: a name, a digest of exactly
 * the committed parts the window covers (so two runs that read the same data show the same digest, and a
 * re-prepared day shows a new one), where it came from, and a small profile.
 */
import { createHash } from 'node:crypto';
import type { CommitPart } from './CommitLog.js';

export interface WindowDataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  profile: string;
}

/** `parts`: the lake's committed parts; `from`/`to`: inclusive `YYYY-MM-DD` days. */
export function windowDataset(lakeUri: string, parts: readonly CommitPart[], from: string, to: string, label: string): WindowDataset {
  const inWindow = parts.filter((p) => p.day >= from && p.day <= to).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const hash = createHash('sha256');
  for (const p of inWindow) hash.update(`${p.key}\t${p.day}\t${p.rows}\t${p.minId}\t${p.maxId}\n`);
  const rows = inWindow.reduce((n, p) => n + p.rows, 0);
  return {
    name: `${label} ${from}..${to}`,
    digest: hash.digest('hex').slice(0, 16),
    sourceType: lakeUri.startsWith('s3://') ? 's3' : 'local',
    source: JSON.stringify({ uri: lakeUri, from, to }),
    profile: JSON.stringify({ rows, parts: inWindow.length, days: new Set(inWindow.map((p) => p.day)).size }),
  };
}
