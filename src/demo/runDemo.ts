/**
 * The demo: the main job end to end on embedded defaults, with no server, as one pipeline run (the `demo` DAG,
 * src/pipeline/demoDag.ts) on the durable workflow engine with its embedded database in the demo directory:
 * generate a small noisy dataset, prepare it into a local lake (its account checked against the generator's
 * ground truth), train and validate a boosted-tree champion and a logistic-regression challenger, and score the
 * last day file with the champion. `fraudops runs show <run> --db <dir>/pipeline` shows the run afterwards.
 * Returns every task's result; the CLI prints them as they finish.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PipelineError } from '../errors.js';
import type { TaskOutput, JsonValue } from '../pipeline/stage.js';
import type { TaskRecord } from '../pipeline/executeDag.js';
import type { PipelineSettings } from '../pipeline/daily.js';
import { holdTracking, type StageContext } from '../stage/StageContext.js';
import { prepareDemoDir } from './demoDir.js';

export interface DemoOptions {
  /**
   * Working directory; raw/, lake/, pipeline/ and (without `tracking`) mlruns/ inside it are replaced, which is
   * refused in a directory the demo did not make (see demoDir.ts).
   */
  dir: string;
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  startDate: string;
  /** Tracking URI; default an embedded store in `dir`. */
  tracking?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** Each task's result as soon as it is recorded, so a caller can print it then instead of at the end. */
  onStep?: (step: DemoStep) => void;
}

/** A finished task of the demo run and what it produced. */
export interface DemoStep {
  task: string;
  stage: string;
  state: TaskRecord['state'];
  output?: TaskOutput;
  error?: TaskRecord['error'];
  reason?: string;
  /** For a validate task that wrote its report: where the HTML and PNG are. */
  reportFiles?: { html: string; png: string };
}

export interface DemoResult {
  dir: string;
  /** The pipeline run, and the database it is kept in (`fraudops runs show <runId> --db <database>`). */
  runId: string;
  database: string;
  state: 'succeeded' | 'failed' | 'cancelled';
  tracking: string;
  lake: string;
  /** True when prepare's account of every row matched the generator's manifest. */
  matchesManifest: boolean;
  steps: DemoStep[];
}

const FINISHED = new Set<TaskRecord['state']>(['succeeded', 'failed', 'skipped', 'upstream-failed', 'cancelled']);

export async function runDemo(o: DemoOptions, ctx?: StageContext): Promise<DemoResult> {
  const progress = o.onProgress ?? (() => {});
  const dir = prepareDemoDir(o.dir, o.tracking !== undefined);
  const raw = join(dir, 'raw');
  const lake = join(dir, 'lake');
  const tracking = o.tracking ?? join(dir, 'mlruns');
  const database = join(dir, 'pipeline');
  const settings: PipelineSettings = {
    raw,
    lake,
    tracking,
    predictions: join(dir, 'predictions.jsonl'),
    dataset: { days: o.days, customers: o.customers, terminals: o.terminals, seed: o.seed, startDate: o.startDate },
  };
  const { openEmbeddedDatabase } = await import('../pipeline/engine/embeddedDatabase.js');
  const { PipelineEngine } = await import('../pipeline/engine/PipelineEngine.js');

  const steps: DemoStep[] = [];
  const pending: Promise<void>[] = [];
  const onRecord = (record: TaskRecord) => {
    if (!FINISHED.has(record.state)) return;
    pending.push(
      (async () => {
        const step: DemoStep = { task: record.task, stage: record.stage, state: record.state, output: record.output, error: record.error, reason: record.reason };
        if (record.stage === 'validate' && record.output) step.reportFiles = await reportFiles(record.output, tracking, ctx);
        steps.push(step);
        o.onStep?.(step);
      })(),
    );
  };

  progress('demo: opening the pipeline database…');
  const db = await openEmbeddedDatabase(database);
  try {
    const engine = await PipelineEngine.open({
      databaseUrl: db.url,
      onLog: (_run, task, message) => progress(`demo: ${task}: ${message}`),
      onRecord: (_run, record) => onRecord(record),
      onWarn: (m) => (db.expectedWarning?.test(m) ? undefined : progress(`warning: ${m}`)),
      signal: o.signal,
    });
    let outcome;
    try {
      const run = await engine.start({ dag: 'demo', logicalDate: new Date().toISOString().slice(0, 10), settings });
      const stop = () => void engine.close();
      o.signal?.addEventListener('abort', stop, { once: true });
      try {
        outcome = await run.wait();
      } finally {
        o.signal?.removeEventListener('abort', stop);
      }
    } finally {
      await engine.close();
    }
    await Promise.all(pending);
    o.signal?.throwIfAborted();
    const check = outcome.tasks.find((t) => t.stage === 'check.manifest');
    return {
      dir,
      runId: outcome.runId,
      database,
      state: outcome.state,
      tracking,
      lake,
      matchesManifest: check?.output?.matches === true,
      steps: outcome.tasks.map((t) => steps.find((s) => s.task === t.task) ?? { task: t.task, stage: t.stage, state: t.state, output: t.output, error: t.error, reason: t.reason }),
    };
  } finally {
    await db.close();
  }
}

/** Where a validation's HTML and PNG reports are: files for a local artifact root, URIs otherwise. */
async function reportFiles(validated: TaskOutput, tracking: string, ctx: StageContext | undefined): Promise<{ html: string; png: string } | undefined> {
  const report = validated.report as { [k: string]: JsonValue } | null | undefined;
  if (!report || typeof report.html !== 'string' || typeof report.png !== 'string') return undefined;
  const held = await holdTracking(ctx, tracking);
  try {
    const root = (await held.value.runs.getRun(String(validated.candidateRunId))).info.artifactUri.replace(/\/+$/, '');
    const at = (path: string) => (root.startsWith('file:') ? fileURLToPath(`${root}/${path}`) : `${root}/${path}`);
    return { html: at(String(report.html)), png: at(String(report.png)) };
  } catch (e) {
    throw new PipelineError('DEMO_REPORT', `could not locate the validation report of run ${String(validated.candidateRunId)}: ${(e as Error).message}`);
  } finally {
    await held.release();
  }
}
