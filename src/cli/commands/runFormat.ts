/** Human text for runs and their tasks, shared by the pipeline, scheduler and runs commands. */
import type { RunDetail, RunSummary } from '../../pipeline/engine/RunsClient.js';
import type { TaskRecord } from '../../pipeline/executeDag.js';
import { produced } from '../../pipeline/produced.js';

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms}ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
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
