/** `fraudops scheduler start`: runs a DAG on a cron schedule until stopped; restarts resume interrupted runs. */
import type { Command, CommandIO, FlagValues } from '../command.js';
import { parseCron } from '../../pipeline/scheduler.js';
import { isCalendarDate } from '../../util/dates.js';
import { openPipelineDatabase, engineFlags, executorFlags, settingsFlags, settingsFrom } from './pipelineFlags.js';
import type { PipelineDatabase } from '../../pipeline/engine/embeddedDatabase.js';

export const schedulerStartCommand: Command = {
  name: 'scheduler start',
  summary: 'run the pipeline on a cron schedule (UTC), one run per interval; resumes interrupted runs on start',
  usage: "fraudops scheduler start --cron '0 3 * * *' [--catchup [--since YYYY-MM-DD]] --raw <uri> --lake <uri> [--db <postgresql://…|dir>]",
  description:
    'Fires the DAG at each tick of --cron (five fields, or six with seconds first), in UTC. The run of a tick has the id ' +
    'pipeline:<dag>:<logical date>, so several schedulers on one database (each with its own --executor-id) start each interval once. ' +
    'On start, runs this executor left unfinished (killed, host lost) resume where they stopped. Catch-up is off: intervals missed while ' +
    'no scheduler ran are skipped unless --catchup. Runs until SIGINT/SIGTERM; an interrupted run resumes at the next start. ' +
    'With --json, prints one JSON object per line per event.',
  examples: [
    "fraudops scheduler start --cron '0 3 * * *' --raw s3://raw/daily --lake s3://lake/v1 --db postgresql://fraudops@db/fraudops",
    "FRAUDOPS_EXECUTOR_ID=scheduler-b fraudops scheduler start --cron '0 3 * * *' --catchup --since 2026-11-01 --json",
  ],
  flags: {
    cron: { type: 'string', description: 'cron expression, UTC', required: true, env: 'FRAUDOPS_CRON', configKey: 'pipeline.cron', placeholder: "'0 3 * * *'", check: parseCron },
    catchup: { type: 'boolean', description: 'run the intervals missed since --since (or the latest run), oldest first', default: false, configKey: 'pipeline.catchup' },
    since: { type: 'string', description: 'first interval for --catchup (a date, or an ISO time)', placeholder: 'YYYY-MM-DD', check: checkSince },
    ...settingsFlags,
    ...engineFlags,
    ...executorFlags,
  },
  async run(flags, io) {
    const database = await openPipelineDatabase(flags);
    try {
      return await schedule(database, flags, io);
    } finally {
      await database.close();
    }
  },
};

async function schedule(database: PipelineDatabase, flags: FlagValues, io: CommandIO): Promise<number> {
  const { runScheduler } = await import('../../pipeline/scheduler.js');
  const { PipelineEngine } = await import('../../pipeline/engine/PipelineEngine.js');
  const { RunsClient } = await import('../../pipeline/engine/RunsClient.js');
  const cron = String(flags.cron);
  const schema = String(flags.schema);
  const settings = settingsFrom(flags);
  const dag = String(flags.dag);
  const emit = (e: Record<string, unknown>) => (io.json ? io.out(JSON.stringify({ at: new Date().toISOString(), ...e })) : io.err(`${new Date().toISOString()} ${describe(e)}`));
  let lastRun: string | undefined;
  if (flags.catchup === true && typeof flags.since !== 'string') {
    const client = await RunsClient.open(database.url, schema);
    try {
      lastRun = (await client.list({ dag, limit: 1 }))[0]?.logicalDate;
    } finally {
      await client.close();
    }
  }
  const engine = await PipelineEngine.open({
    databaseUrl: database.url,
    schema,
    executorId: typeof flags['executor-id'] === 'string' ? flags['executor-id'] : undefined,
    onLog: (runId, task, message) => (io.json ? undefined : io.progress(`${runId} ${task}: ${message}`)),
    onWarn: (m) => (database.expectedWarning?.test(m) ? undefined : io.err(`warning: ${m}`)),
    signal: io.signal,
  });
  emit({ event: 'scheduler-started', executorId: engine.options.executorId, applicationVersion: engine.options.applicationVersion, cron, dag });
  try {
    await runScheduler(engine, { cron, dag, settings, catchup: flags.catchup === true, since: typeof flags.since === 'string' ? flags.since : undefined, lastRun, signal: io.signal, onEvent: emit });
  } finally {
    await engine.close();
  }
  emit({ event: 'scheduler-stopped' });
  return 0;
}

function describe(e: Record<string, unknown>): string {
  switch (e.event) {
    case 'waiting':
      return `next run ${String(e.logicalDate)} at ${String(e.next)}`;
    case 'started':
      return `run ${String(e.runId)} started`;
    case 'finished':
      return `run ${String(e.runId)} ${String(e.state)}`;
    case 'error':
      return `run of ${String(e.logicalDate)} could not run: error[${String(e.code)}]: ${String(e.message)}`;
    default:
      return Object.entries(e).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  }
}

/** `--since`: a calendar date or an ISO 8601 time. */
function checkSince(value: string): void {
  const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
  if (!isCalendarDate(value) && !isoTime) throw new Error(`expected a date YYYY-MM-DD or an ISO time, got "${value}"`);
}
