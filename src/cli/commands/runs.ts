/** `fraudops runs list|show|logs|retry|cancel`: what the pipeline ran, task by task, and steering of runs. */
import type { Command, FlagValues } from '../command.js';
import { engineFlags, executorFlags, runsLocation } from './pipelineFlags.js';
import { formatRun, formatRunLine } from './runFormat.js';
import { printRun, runHooks } from './pipeline.js';

async function withClient<T>(flags: FlagValues, fn: (c: import('../../pipeline/engine/RunsClient.js').RunsClient) => Promise<T>): Promise<T> {
  const { pipelineDatabaseExists, withRunsClient } = await import('../../pipeline/runs.js');
  const where = runsLocation(flags);
  // Commands that only look at runs never create an embedded database (as a missing tracking store is refused).
  if (!pipelineDatabaseExists(where.db)) {
    const { PipelineError } = await import('../../errors.js');
    throw new PipelineError('PIPELINE_DB_MISSING', `no pipeline database at ${String(where.db ?? '.fraudops/pipeline')}; check --db / FRAUDOPS_PIPELINE_DB, or run a pipeline first (fraudops pipeline run)`, {
      context: { field: 'db' },
    });
  }
  return withRunsClient(where, fn);
}

const RUN_ID = [{ name: 'run-id', description: 'a run id as `runs list` shows it, e.g. pipeline:daily:2026-12-01', required: true }];

export const runsListCommand: Command = {
  name: 'runs list',
  summary: 'list pipeline runs, newest first',
  usage: 'fraudops runs list [--dag daily] [--limit N] [--json]',
  examples: ['fraudops runs list', 'fraudops runs list --limit 5 --json'],
  flags: { dag: { type: 'string', description: 'only this DAG', placeholder: '<name>' }, limit: { type: 'integer', description: 'how many', default: 20, min: 1, max: 10_000 }, ...engineFlags },
  async run(flags, io) {
    const runs = await withClient(flags, (c) => c.list({ dag: typeof flags.dag === 'string' ? flags.dag : undefined, limit: Number(flags.limit) }));
    if (io.json) io.out(JSON.stringify({ runs }, null, 2));
    else io.out(runs.length === 0 ? 'no runs yet' : runs.map(formatRunLine).join('\n'));
    return 0;
  },
};

export const runsShowCommand: Command = {
  name: 'runs show',
  summary: 'one run: per task its state, attempts, duration, error and what it produced',
  usage: 'fraudops runs show <run-id> [--json]',
  examples: ['fraudops runs show pipeline:daily:2026-12-01', 'fraudops runs show pipeline:daily:2026-12-01 --json'],
  positionals: RUN_ID,
  flags: { ...engineFlags },
  async run(flags, io, args) {
    const run = await withClient(flags, (c) => c.show(args[0]));
    io.out(io.json ? JSON.stringify(run, null, 2) : formatRun(run).join('\n'));
    return 0;
  },
};

export const runsLogsCommand: Command = {
  name: 'runs logs',
  summary: 'the log lines of a run’s tasks',
  usage: 'fraudops runs logs <run-id> [--task T] [--json]',
  examples: ['fraudops runs logs pipeline:daily:2026-12-01', 'fraudops runs logs pipeline:daily:2026-12-01 --task train'],
  positionals: RUN_ID,
  flags: { task: { type: 'string', description: 'only this task', placeholder: '<task>' }, ...engineFlags },
  async run(flags, io, args) {
    const lines = (await withClient(flags, (c) => c.logs(args[0]))).filter((l) => typeof flags.task !== 'string' || l.task === flags.task);
    if (io.json) io.out(JSON.stringify({ runId: args[0], lines }, null, 2));
    else io.out(lines.length === 0 ? 'no log lines' : lines.map((l) => `${new Date(l.at).toISOString()} ${l.task}: ${l.message}`).join('\n'));
    return 0;
  },
};

export const runsRetryCommand: Command = {
  name: 'runs retry',
  summary: 'rerun what failed in a run: its successful tasks are reused, the cluster is acquired again',
  usage: 'fraudops runs retry <run-id> [--json]',
  description: 'Starts a new run, <run-id>:retry-<n>, with the same settings and logical date. Tasks that succeeded in <run-id> are reused (not run); the failed task and what follows it run.',
  examples: ['fraudops runs retry pipeline:daily:2026-12-01'],
  positionals: RUN_ID,
  flags: { ...engineFlags, ...executorFlags },
  async run(flags, io, args) {
    const { retryRun } = await import('../../pipeline/runs.js');
    return printRun(io, await retryRun(runsLocation(flags), args[0], runHooks(io)));
  },
};

export const runsCancelCommand: Command = {
  name: 'runs cancel',
  summary: 'cancel a running run; its teardown still runs',
  usage: 'fraudops runs cancel <run-id> [--wait 60s] [--json]',
  description: 'Marks the run cancelled; the process running it aborts the current task and runs teardown. If that has not happened within --wait seconds (the run is not executing anywhere), this command runs the teardown itself.',
  examples: ['fraudops runs cancel pipeline:daily:2026-12-01', 'fraudops runs cancel pipeline:daily:2026-12-01 --wait 300 --json'],
  positionals: RUN_ID,
  flags: { wait: { type: 'duration', durationUnit: 's', description: 'how long to wait for the run’s own teardown (a bare number is seconds)', default: '60s', max: 86_400_000 }, ...engineFlags },
  async run(flags, io, args) {
    io.progress(`cancelling ${args[0]}…`);
    const { cancelRun } = await import('../../pipeline/runs.js');
    const run = await cancelRun(runsLocation(flags), args[0], Number(flags.wait), io.signal);
    io.out(io.json ? JSON.stringify(run, null, 2) : formatRun(run).join('\n'));
    return 0;
  },
};
