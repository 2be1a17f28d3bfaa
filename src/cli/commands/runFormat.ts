/** Human text for runs and their tasks, shared by the pipeline, scheduler and runs commands. */
import type { RunDetail, RunSummary } from '../../pipeline/engine/RunsClient.js';
import type { TaskRecord } from '../../pipeline/executeDag.js';

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

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

export function formatTasks(tasks: (TaskRecord & { durationMs?: number })[]): string[] {
  const w = Math.max(4, ...tasks.map((t) => t.task.length));
  const lines = [`  ${'task'.padEnd(w)}  ${'state'.padEnd(15)}  tries  ${'time'.padStart(7)}  result`];
  for (const t of tasks) {
    const d = t.durationMs ?? (t.startedAt && t.finishedAt ? t.finishedAt - t.startedAt : undefined);
    const result = t.error ? `${t.error.code}: ${t.error.message}` : [produced(t), t.reason].filter(Boolean).join('; ');
    lines.push(`  ${t.task.padEnd(w)}  ${t.state.padEnd(15)}  ${String(t.attempts).padStart(5)}  ${formatDuration(d).padStart(7)}  ${result}`);
  }
  return lines;
}

export function formatRun(r: RunDetail): string[] {
  return [
    `run ${r.runId}: ${r.state.toUpperCase()}${r.retryOf ? ` (retry of ${r.retryOf})` : ''}`,
    `  dag ${r.dag}, logical date ${r.logicalDate}, executor ${r.executorId ?? '?'}, version ${r.applicationVersion ?? '?'}, started ${new Date(r.createdAt).toISOString()}`,
    ...(r.error ? [`  error: ${r.error}`] : []),
    ...formatTasks(r.tasks),
  ];
}

export function formatRunLine(r: RunSummary): string {
  return `${r.runId}  ${r.state.padEnd(9)}  ${new Date(r.createdAt).toISOString()}  ${r.executorId ?? ''}`;
}
