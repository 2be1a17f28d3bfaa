/**
 * A pipeline as data: named tasks, each running one stage with its options, after the tasks it depends on.
 * `loadDag` checks a definition before anything runs — unknown stages or dependencies, cycles, options that do
 * not fit the stage's schema — and refuses it with every problem named (DAG_INVALID); a loaded DAG carries its
 * tasks in a topological order and a hash of its shape, which the run records.
 */
import { createHash } from 'node:crypto';
import { PipelineError } from '../errors.js';
import { checkOptions } from './optionSchema.js';
import type { PipelineStage } from './stage.js';

/**
 * When a task runs once its upstream tasks are settled:
 * - `all-success` (default): every upstream task succeeded (or was reused from an earlier attempt);
 * - `always`: whatever happened upstream, also after a failure or a cancellation (teardown).
 */
export type TriggerRule = 'all-success' | 'always';

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  /** Seconds before the second attempt; multiplied by `backoffRate` after each further failure. */
  intervalSeconds: number;
  backoffRate: number;
}

export interface TaskDefinition {
  name: string;
  /** Key of the stage in the stage registry, e.g. `prepare` or `cluster.ensure`. */
  stage: string;
  after?: string[];
  options?: Record<string, unknown>;
  trigger?: TriggerRule;
  retry?: Partial<RetryPolicy>;
}

export interface DagDefinition {
  name: string;
  description?: string;
  tasks: TaskDefinition[];
}

export interface LoadedTask {
  name: string;
  stage: PipelineStage;
  after: string[];
  options: Record<string, unknown>;
  trigger: TriggerRule;
  retry: RetryPolicy;
}

export interface LoadedDag {
  name: string;
  description?: string;
  /** Tasks in a topological order (ties keep definition order). */
  tasks: LoadedTask[];
  /** Hash of the DAG's shape and options: two runs with the same hash ran the same definition. */
  specHash: string;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 1, intervalSeconds: 5, backoffRate: 2 };

const NAME = /^[a-z][a-z0-9_.-]*$/;

export function loadDag(definition: DagDefinition, stages: ReadonlyMap<string, PipelineStage>): LoadedDag {
  const problems: string[] = [];
  if (!NAME.test(definition.name ?? '')) problems.push(`DAG name ${JSON.stringify(definition.name)} must match ${NAME}`);
  const byName = new Map<string, TaskDefinition>();
  for (const task of definition.tasks ?? []) {
    if (!NAME.test(task.name ?? '')) problems.push(`task name ${JSON.stringify(task.name)} must match ${NAME}`);
    if (byName.has(task.name)) problems.push(`task ${task.name} is defined twice`);
    byName.set(task.name, task);
  }
  if (byName.size === 0) problems.push('the DAG has no tasks');
  for (const task of byName.values()) {
    const stage = stages.get(task.stage);
    if (!stage) problems.push(`task ${task.name}: unknown stage "${task.stage}" (known: ${[...stages.keys()].join(', ')})`);
    else for (const p of checkOptions(stage.schema, task.options ?? {})) problems.push(`task ${task.name}: ${p}`);
    for (const dep of task.after ?? []) {
      if (!byName.has(dep)) problems.push(`task ${task.name} depends on unknown task "${dep}"`);
      if (dep === task.name) problems.push(`task ${task.name} depends on itself`);
    }
    if (task.trigger !== undefined && task.trigger !== 'all-success' && task.trigger !== 'always') {
      problems.push(`task ${task.name}: trigger must be all-success or always, got ${JSON.stringify(task.trigger)}`);
    }
    const r = task.retry;
    if (r?.maxAttempts !== undefined && !(Number.isInteger(r.maxAttempts) && r.maxAttempts >= 1)) problems.push(`task ${task.name}: retry.maxAttempts must be an integer ≥ 1`);
  }
  const order = problems.length === 0 ? topologicalOrder([...byName.values()], problems) : [];
  if (problems.length > 0) {
    throw new PipelineError('DAG_INVALID', `DAG ${definition.name} is invalid:\n  ${problems.join('\n  ')}`, { context: { dag: definition.name, problems: problems.length } });
  }
  const tasks = order.map((t) => ({
    name: t.name,
    stage: stages.get(t.stage)!,
    after: t.after ?? [],
    options: t.options ?? {},
    trigger: t.trigger ?? 'all-success',
    retry: { ...DEFAULT_RETRY, ...t.retry },
  }));
  const shape = tasks.map((t) => ({ name: t.name, stage: t.stage.name, after: t.after, options: t.options, trigger: t.trigger, retry: t.retry }));
  const specHash = createHash('sha256').update(JSON.stringify({ name: definition.name, tasks: shape })).digest('hex').slice(0, 16);
  return { name: definition.name, description: definition.description, tasks, specHash };
}

/** Kahn's algorithm; a leftover task is on a cycle, which is reported with its path. */
function topologicalOrder(tasks: TaskDefinition[], problems: string[]): TaskDefinition[] {
  const indegree = new Map(tasks.map((t) => [t.name, (t.after ?? []).length]));
  const order: TaskDefinition[] = [];
  const ready = tasks.filter((t) => indegree.get(t.name) === 0);
  while (ready.length > 0) {
    const t = ready.shift()!;
    order.push(t);
    for (const next of tasks) {
      if (!(next.after ?? []).includes(t.name)) continue;
      const d = indegree.get(next.name)! - 1;
      indegree.set(next.name, d);
      if (d === 0) ready.push(next);
    }
  }
  if (order.length < tasks.length) problems.push(`the DAG has a cycle: ${findCycle(tasks.filter((t) => indegree.get(t.name)! > 0)).join(' → ')}`);
  return order;
}

function findCycle(remaining: TaskDefinition[]): string[] {
  const byName = new Map(remaining.map((t) => [t.name, t]));
  let current = remaining[0];
  const seen: string[] = [];
  while (!seen.includes(current.name)) {
    seen.push(current.name);
    current = byName.get((current.after ?? []).find((d) => byName.has(d))!)!;
  }
  return [...seen.slice(seen.indexOf(current.name)), current.name].reverse();
}
