/**
 * What the Runs pages show, read from where the pipeline keeps its runs (the same client `fraudops runs` uses):
 * the runs newest first, and one run with its tasks, the DAG they form and every task's log lines.
 */
import { loadDag } from '../../pipeline/dag.js';
import { dagDefinition, type PipelineSettings } from '../../pipeline/daily.js';
import type { LogLine } from '../../pipeline/engine/RunStore.js';
import type { RunDetail, RunSummary } from '../../pipeline/engine/RunsClient.js';
import { withRunsClient, type RunsLocation } from '../../pipeline/runs.js';
import { PIPELINE_STAGES } from '../../pipeline/stages.js';

export interface RunView {
  run: RunDetail;
  /** Each task's upstream tasks, from the DAG definition the run was started with. */
  after: Record<string, string[]>;
  logs: LogLine[];
}

export function readRuns(where: RunsLocation, limit = 50): Promise<RunSummary[]> {
  return withRunsClient(where, (c) => c.list({ limit }));
}

export function readRun(where: RunsLocation, runId: string): Promise<RunView> {
  return withRunsClient(where, async (c) => {
    const run = await c.show(runId);
    const [{ input, settings }, logs] = await Promise.all([c.settingsOf(runId), c.logs(runId)]);
    return { run, after: dagEdges(input.dag, settings), logs };
  });
}

/** The DAG's edges; none when its definition no longer loads (a run of an older release): tasks are still listed. */
function dagEdges(dag: string, settings: PipelineSettings): Record<string, string[]> {
  try {
    return Object.fromEntries(loadDag(dagDefinition(dag, settings), PIPELINE_STAGES).tasks.map((t) => [t.name, t.after]));
  } catch {
    return {};
  }
}
