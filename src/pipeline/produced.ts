/** What a task produced, in a few words: shared by `fraudops runs show` and the dashboard's run page. */
import type { TaskRecord } from './executeDag.js';

/** The few output fields people look for: rows generated, commit sequences, manifest checks, run ids, versions, decisions, rows scored. */
export function produced(t: TaskRecord): string {
  const o = t.output;
  if (!o) return '';
  const parts: string[] = [];
  if (Array.isArray(o.commitSeqs)) parts.push(`commits [${o.commitSeqs.join(', ')}]`, `${o.newFiles} new file(s)`);
  if (typeof o.rows === 'number' && typeof o.files === 'number') parts.push(`${o.files} file(s), ${o.rows.toLocaleString('en-US')} rows`);
  if (typeof o.matches === 'boolean') parts.push(o.matches ? 'matches the manifest' : `${String(o.differenceCount)} difference(s) from the manifest`);
  if (typeof o.scored === 'number') parts.push(`${o.scored.toLocaleString('en-US')} scored, ${String(o.dead)} dead letters`);
  if (o.proceed !== undefined) parts.push(o.proceed ? 'proceed' : 'stop');
  if (typeof o.runId === 'string') parts.push(`run ${o.runId}`);
  if (o.modelVersion !== undefined) parts.push(`version ${String(o.modelVersion)}`);
  if (typeof o.decision === 'string') parts.push(`decision ${o.decision}`);
  if (o.announced !== undefined) parts.push(o.announced ? `announced to ${String(o.target)}` : 'not announced');
  if (typeof o.name === 'string' && typeof o.provider === 'string') parts.push(`cluster ${o.name} (${o.provider}${o.adopted ? ', adopted' : ''}${o.deleted === true ? ', deleted' : ''})`);
  return parts.join(', ');
}
