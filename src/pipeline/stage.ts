/**
 * What a pipeline task runs: a stage with a schema for its options and a plain async function of
 * (options, context). The context says which run and logical date this is, hands over the outputs of the tasks
 * that already ran, carries the cancellation signal and takes log lines; stages never print.
 */
import type { OptionSchema } from './optionSchema.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type TaskOutput = { [key: string]: JsonValue };

export interface TaskContext {
  /** The run's workflow id, `pipeline:<dag>:<logical date>` (with a retry suffix for retries). */
  runId: string;
  /** The run this one retries, or the run itself: cluster names and announcements use it. */
  logicalRunId: string;
  dag: string;
  logicalDate: string;
  specHash: string;
  signal: AbortSignal;
  log(message: string): void;
  /** The output of the task that ran `stage` earlier in this run (or was reused from the retried run). */
  upstream(stage: string): TaskOutput | undefined;
}

export interface PipelineStage<O = Record<string, unknown>> {
  /** Registry key, e.g. `prepare`, `cluster.ensure`. */
  name: string;
  description: string;
  schema: OptionSchema;
  run(options: O, ctx: TaskContext): Promise<TaskOutput>;
  /**
   * A branch: when its output has `proceed: false`, the tasks after it that need all upstream tasks to succeed
   * are skipped (with the output's `reason`), while `always` tasks still run.
   */
  branch?: boolean;
  /** Run again on `runs retry` even when it succeeded in the retried run (acquiring a cluster is not reusable). */
  rerunOnRetry?: boolean;
}
