/** `fraudops scheduler start`: runs a DAG on a cron schedule until stopped; restarts resume interrupted runs. */
import type { Command } from '../command.js';
import { databaseUrl, engineFlags, executorFlags, settingsFlags, settingsFrom } from './pipelineFlags.js';

export const schedulerStartCommand: Command = {
  name: 'scheduler start',
  summary: 'run the pipeline on a cron schedule (UTC), one run per interval; resumes interrupted runs on start',
  usage: "fraudops scheduler start --cron '0 3 * * *' [--catchup [--since YYYY-MM-DD]] --raw <uri> --lake <uri> --db <postgresql://…>",
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
    cron: { type: 'string', description: 'cron expression, UTC', required: true, env: 'FRAUDOPS_CRON', configKey: 'pipeline.cron', placeholder: "'0 3 * * *'" },
    catchup: { type: 'boolean', description: 'run the intervals missed since --since (or the latest run), oldest first', default: false, configKey: 'pipeline.catchup' },
    since: { type: 'string', description: 'first interval for --catchup', placeholder: 'YYYY-MM-DD' },
    ...settingsFlags,
    ...engineFlags,
    ...executorFlags,
  },
  async run(flags, io) {
    const { parseCron, runScheduler } = await import('../../pipeline/scheduler.js');
    const { PipelineEngine } = await import('../../pipeline/engine/PipelineEngine.js');
    const { RunsClient } = await import('../../pipeline/engine/RunsClient.js');
    const cron = String(flags.cron);
    parseCron(cron);
    const db = databaseUrl(flags);
    const schema = String(flags.schema);
    const settings = settingsFrom(flags);
    const dag = String(flags.dag);
    const emit = (e: Record<string, unknown>) => (io.json ? io.out(JSON.stringify({ at: new Date().toISOString(), ...e })) : io.err(`${new Date().toISOString()} ${describe(e)}`));
    let lastRun: string | undefined;
    if (flags.catchup === true && typeof flags.since !== 'string') {
      const client = await RunsClient.open(db, schema);
      try {
        lastRun = (await client.list({ dag, limit: 1 }))[0]?.logicalDate;
      } finally {
        await client.close();
      }
    }
    const engine = await PipelineEngine.open({
      databaseUrl: db,
      schema,
      executorId: typeof flags['executor-id'] === 'string' ? flags['executor-id'] : undefined,
      onLog: (runId, task, message) => (io.json ? undefined : io.progress(`${runId} ${task}: ${message}`)),
      onWarn: (m) => io.err(`warning: ${m}`),
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
  },
};

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
