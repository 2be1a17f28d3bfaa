/** `fraudops pipeline run`: one run of a DAG for one logical date, on the durable workflow engine. */
import type { Command, CommandIO, FlagValues } from '../command.js';
import { openPipelineDatabase, engineFlags, executorFlags, settingsFlags, settingsFrom, today } from './pipelineFlags.js';
import type { PipelineDatabase } from '../../pipeline/engine/embeddedDatabase.js';
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

export async function runPipeline(flags: FlagValues, io: CommandIO, request: { dag: string; logicalDate: string; settings: ReturnType<typeof settingsFrom>; retryOf?: string }): Promise<number> {
  const { PipelineEngine } = await import('../../pipeline/engine/PipelineEngine.js');
  const { RunsClient } = await import('../../pipeline/engine/RunsClient.js');
  const { loadDag } = await import('../../pipeline/dag.js');
  const { dagDefinition } = await import('../../pipeline/daily.js');
  const { PIPELINE_STAGES } = await import('../../pipeline/stages.js');
  // A bad DAG is refused before the engine starts or a run exists.
  loadDag(dagDefinition(request.dag, request.settings), PIPELINE_STAGES);
  const database = await openPipelineDatabase(flags);
  try {
    return await runOnDatabase(database, flags, io, request);
  } finally {
    await database.close();
  }
}

async function runOnDatabase(database: PipelineDatabase, flags: FlagValues, io: CommandIO, request: Parameters<typeof runPipeline>[2]): Promise<number> {
  const { PipelineEngine } = await import('../../pipeline/engine/PipelineEngine.js');
  const { RunsClient } = await import('../../pipeline/engine/RunsClient.js');
  const schema = String(flags.schema);
  const engine = await PipelineEngine.open({
    databaseUrl: database.url,
    schema,
    executorId: typeof flags['executor-id'] === 'string' ? flags['executor-id'] : undefined,
    onLog: (_run, task, message) => io.progress(`${task}: ${message}`),
    onWarn: (m) => (database.expectedWarning?.test(m) ? undefined : io.err(`warning: ${m}`)),
    signal: io.signal,
  });
  let runId: string;
  try {
    const run = await engine.start(request);
    runId = run.runId;
    io.progress(`run ${runId} started`);
    const stop = () => void engine.close();
    io.signal.addEventListener('abort', stop, { once: true });
    await run.wait();
    io.signal.removeEventListener('abort', stop);
  } finally {
    await engine.close();
  }
  const client = await RunsClient.open(database.url, schema);
  try {
    const detail = await client.show(runId);
    if (io.json) io.out(JSON.stringify(detail, null, 2));
    else io.out(formatRun(detail).join('\n'));
    return detail.state === 'succeeded' ? 0 : 1;
  } finally {
    await client.close();
  }
}
