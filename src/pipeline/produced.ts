/** What a task produced, in a few words: shared by `fraudops runs show` and the dashboard's run page. */
import type { TaskRecord } from './executeDag.js';

/** The few output fields people look for: commit sequences, run ids, versions, decisions. */
export function produced(t: TaskRecord): string {
  const o = t.output;
  if (!o) return '';
  const parts: string[] = [];
  if (Array.isArray(o.commitSeqs)) parts.push(`commits [${o.commitSeqs.join(', ')}]`, `${o.newFiles} new file(s)`);
  if (o.proceed !== undefined) parts.push(o.proceed ? 'proceed' : 'stop');
  if (typeof o.runId === 'string') parts.push(`run ${o.runId}`);
  if (o.modelVersion !== undefined) parts.push(`version ${String(o.modelVersion)}`);
  if (typeof o.decision === 'string') parts.push(`decision ${o.decision}`);
  if (o.announced !== undefined) parts.push(o.announced ? `announced to ${String(o.target)}` : 'not announced');
  if (typeof o.name === 'string' && typeof o.provider === 'string') parts.push(`cluster ${o.name} (${o.provider}${o.adopted ? ', adopted' : ''}${o.deleted === true ? ', deleted' : ''})`);
  return parts.join(', ');
}
