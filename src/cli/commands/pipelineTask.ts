/**
 * `fraudops pipeline task <task>`: runs one task of a DAG by itself, for an outside orchestrator (the exported
 * Airflow DAG). Settings come from flags or FRAUDOPS_PIPELINE_SETTINGS (JSON), the outputs of earlier tasks from
 * FRAUDOPS_TASK_INPUTS (JSON, by task name). The task's output is printed as the last line of stdout.
 */
import { ConfigError, PipelineError } from '../../errors.js';
import type { Command } from '../command.js';
import type { TaskOutput } from '../../pipeline/stage.js';
import { settingsFlags, settingsFrom, today } from './pipelineFlags.js';

export const pipelineTaskCommand: Command = {
  name: 'pipeline task',
  summary: 'run one task of a pipeline DAG by itself (for Airflow and other orchestrators)',
  usage: 'fraudops pipeline task <task> [--dag daily] [--date YYYY-MM-DD] [settings flags]',
  description:
    'Runs the stage of one task once, without the workflow engine: the orchestrator calling it owns retries and ordering. ' +
    'FRAUDOPS_PIPELINE_SETTINGS (JSON) gives settings not on the command line; FRAUDOPS_TASK_INPUTS (JSON object, task name → output) ' +
    'gives the outputs of earlier tasks. Prints the output as one JSON line, last. Exit code 99 when a branch task stops the branch.',
  examples: ['fraudops pipeline task prepare --date 2026-12-01 --raw ./raw --lake ./lake', "FRAUDOPS_TASK_INPUTS='{\"prepare\":{\"newFiles\":0}}' fraudops pipeline task new-data --lake ./lake --raw ./raw"],
  positionals: [{ name: 'task', description: 'the task name, e.g. prepare', required: true }],
  flags: { date: { type: 'date', description: 'logical date (default: today, UTC)', placeholder: 'YYYY-MM-DD' }, ...settingsFlags },
  async run(flags, io, args) {
    const { loadDag } = await import('../../pipeline/dag.js');
    const { dagDefinition } = await import('../../pipeline/daily.js');
    const { PIPELINE_STAGES } = await import('../../pipeline/stages.js');
    const { runIdFor } = await import('../../pipeline/engine/PipelineEngine.js');
    const { nearestUpstream } = await import('../../pipeline/executeDag.js');
    const date = typeof flags.date === 'string' ? flags.date : today();
    const fromEnv = parseJson(process.env.FRAUDOPS_PIPELINE_SETTINGS, 'FRAUDOPS_PIPELINE_SETTINGS') ?? {};
    const settings = { ...fromEnv, ...settingsFrom(flags) };
    const dag = loadDag(dagDefinition(String(flags.dag), settings), PIPELINE_STAGES);
    const task = dag.tasks.find((t) => t.name === args[0]);
    if (!task) throw new ConfigError(`DAG ${dag.name} has no task "${args[0]}" (tasks: ${dag.tasks.map((t) => t.name).join(', ')})`);
    const inputs = (parseJson(process.env.FRAUDOPS_TASK_INPUTS, 'FRAUDOPS_TASK_INPUTS') ?? {}) as Record<string, TaskOutput | null>;
    const outputs = new Map(Object.entries(inputs).filter((e): e is [string, TaskOutput] => e[1] !== null && typeof e[1] === 'object'));
    const runId = runIdFor(dag.name, date);
    const output = await task.stage.run(task.options, {
      runId,
      logicalRunId: runId,
      dag: dag.name,
      logicalDate: date,
      specHash: dag.specHash,
      signal: io.signal,
      log: (m) => io.err(`${task.name}: ${m}`),
      upstream: (stage) => nearestUpstream(task, dag, outputs, stage),
    });
    io.out(JSON.stringify(output));
    if (task.stage.branch && output.proceed === false) return 99;
    return 0;
  },
};

function parseJson(text: string | undefined, name: string): Record<string, unknown> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new PipelineError('CONFIG_INVALID', `${name} is not a JSON object: ${(e as Error).message}`, { context: { field: name } });
  }
}
