/** `fraudops pipeline run`: one run of a DAG for one logical date, on the durable workflow engine. */
import type { Command, CommandIO, FlagValues } from '../command.js';
import { engineFlags, executorFlags, runsLocation, settingsFlags, settingsFrom, today } from './pipelineFlags.js';
import type { RunDetail } from '../../pipeline/engine/RunsClient.js';
import type { RunHooks } from '../../pipeline/runs.js';
import { formatRun } from './runFormat.js';

export const pipelineRunCommand: Command = {
  name: 'pipeline run',
  summary: 'run the daily pipeline once for a logical date (durable: a rerun of the same date resumes it)',
  usage: 'fraudops pipeline run [--date YYYY-MM-DD] [--dag daily] --raw <uri> --lake <uri> [--db <postgresql://…|dir>] [--json]',
  description:
    'Runs cluster.ensure → prepare → new-data branch → train → validate → publish, then cluster.teardown whatever happened. ' +
    'The run id is pipeline:<dag>:<date>: running a date again attaches to its run (or returns its result) instead of starting a second one. ' +
    'Exit code 0 when the run succeeded, 1 when it failed or was cancelled.',
  examples: [
    'fraudops pipeline run --raw ./raw --lake ./lake   (runs kept in the embedded database in .fraudops/pipeline)',
    'fraudops pipeline run --raw ./raw --lake ./lake --db postgresql://fraudops:secret@127.0.0.1:5432/fraudops',
    'FRAUDOPS_PIPELINE_DB=postgresql://… fraudops pipeline run --date 2026-12-01 --raw s3://raw/daily --lake s3://lake/v1 --json',
  ],
  flags: { date: { type: 'date', description: 'logical date (default: today, UTC)', placeholder: 'YYYY-MM-DD' }, ...settingsFlags, ...engineFlags, ...executorFlags },
  async run(flags, io) {
    const date = typeof flags.date === 'string' ? flags.date : today();
    return runPipeline(flags, io, { dag: String(flags.dag), logicalDate: date, settings: settingsFrom(flags) });
  },
};

export async function runPipeline(flags: FlagValues, io: CommandIO, request: { dag: string; logicalDate: string; settings: ReturnType<typeof settingsFrom> }): Promise<number> {
  const { runPipeline: run } = await import('../../pipeline/runs.js');
  return printRun(io, await run(runsLocation(flags), request, runHooks(io)));
}

/** Task log lines as progress, engine warnings on stderr, the run's id once started; Ctrl-C stops waiting. */
export function runHooks(io: CommandIO): RunHooks {
  return {
    onLog: (task, message) => io.progress(`${task}: ${message}`),
    onWarn: (m) => io.err(`warning: ${m}`),
    onStarted: (runId) => io.progress(`run ${runId} started`),
    signal: io.signal,
  };
}

/** Prints a finished run; exit 0 when it succeeded, 1 when it failed or was cancelled. */
export function printRun(io: CommandIO, detail: RunDetail): number {
  io.out(io.json ? JSON.stringify(detail, null, 2) : formatRun(detail).join('\n'));
  return detail.state === 'succeeded' ? 0 : 1;
}
