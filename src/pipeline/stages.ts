/**
 * The stages a pipeline task can run, by registry key. Each adapts a product stage (prepare, train, validate) or a
 * pipeline concern (cluster, branch, announcement) to (options, context) → a JSON output that the run records:
 * commit sequences, run ids, decisions. Product stages load on use, so loading a DAG needs no native engine.
 */
import { PipelineError } from '../errors.js';
import { checkAnnouncerUri, openAnnouncer } from './announcers/openAnnouncer.js';
import { checkClusterUri, openCluster } from './cluster/openCluster.js';
import { taskSchema } from './optionSchema.js';
import { PREPARE_OPTIONS } from '../prepare/options.js';
import { TRAIN_OPTIONS } from '../training/options.js';
import { VALIDATE_OPTIONS } from '../promotion/options.js';
import type { PipelineStage, TaskContext, TaskOutput } from './stage.js';
import { createStageContext, type StageContext } from '../stage/StageContext.js';
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../config/schemes.js';
import type { FileAccount } from '../quality.js';
import type { Manifest } from '../generator/manifest.js';

/**
 * Runs a product stage under a stage context built for this task, as the CLI builds one per command: the task's
 * signal, its log for the stage's events, stores and tracking opened once and closed when the task ends.
 */
async function withStageContext<T>(task: TaskContext, workDir: string | undefined, fn: (ctx: StageContext) => Promise<T>, engine?: string): Promise<T> {
  // Progress reaches the task's log through the callbacks each task passes; log events go there as they come.
  const ctx = createStageContext({ signal: task.signal, workDir, engine, onEvent: (e) => (e.type === 'log' ? task.log(e.message) : undefined) });
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}

const clusterEnsure: PipelineStage<{ provider: string }> = {
  name: 'cluster.ensure',
  description: 'create the run’s compute cluster, or adopt the one already created for this run',
  schema: { provider: { type: 'string', required: true, description: 'cluster provider URI: none, spark-local, yandex-dataproc://<folder-id>', check: checkClusterUri } },
  rerunOnRetry: true,
  async run(o, ctx) {
    const provider = await openCluster(o.provider);
    try {
      const info = await provider.ensure(ctx.logicalRunId, ctx.signal);
      ctx.log(`cluster ${info.name} ${info.adopted ? 'adopted' : 'ready'} (${info.provider}${info.id ? ` ${info.id}` : ''})`);
      return { ...info, endpoint: info.endpoint ?? null };
    } finally {
      await provider.close?.();
    }
  },
};

const clusterTeardown: PipelineStage<{ provider: string }> = {
  name: 'cluster.teardown',
  description: 'delete the run’s compute cluster; a cluster that is already gone is fine',
  schema: clusterEnsure.schema,
  rerunOnRetry: true,
  async run(o, ctx) {
    const provider = await openCluster(o.provider);
    try {
      const result = await provider.teardown(ctx.logicalRunId, ctx.signal);
      ctx.log(result.deleted ? `cluster ${result.name} deleted` : `cluster ${result.name}: nothing to delete`);
      return { ...result };
    } finally {
      await provider.close?.();
    }
  },
};

interface PrepareTaskOptions {
  raw: string;
  lake: string;
  memoryLimit?: string;
  workDir?: string;
}

const prepareStage: PipelineStage<PrepareTaskOptions> = {
  name: 'prepare',
  description: 'clean the raw files not processed yet into the lake (one commit per file)',
  schema: taskSchema(PREPARE_OPTIONS, ['raw', 'lake', 'memory-limit', 'work-dir'], ['raw', 'lake']),
  async run(o, ctx) {
    const { prepare } = await import('../prepare/prepare.js');
    // On the run's cluster when it has one (spark-local, Data Proc's Spark Connect), else the embedded engine.
    const cluster = ctx.upstream('cluster.ensure');
    const engine = typeof cluster?.endpoint === 'string' && cluster.endpoint !== '' ? cluster.endpoint : undefined;
    if (engine) ctx.log(`preparing on the cluster's engine ${engine.replace(/;token=[^;]*/, ';token=***')}`);
    const report = await withStageContext(ctx, o.workDir, (stageCtx) =>
      prepare(
        {
          raw: o.raw,
          lake: o.lake,
          memoryLimit: o.memoryLimit,
          workDir: o.workDir,
          signal: ctx.signal,
          onProgress: (p) => ctx.log(`preparing ${p.file} (${p.fileIndex + 1}/${p.fileCount})`),
        },
        stageCtx,
      ),
      engine,
    );
    const output = {
      ok: report.ok,
      newFiles: report.files,
      alreadyProcessed: report.alreadyProcessed,
      commitSeqs: report.perFile.map((f) => f.commitSeq),
      rowsIn: report.rowsIn,
      kept: report.kept,
      duplicates: report.duplicates,
      quarantined: report.quarantinedTotal,
      account: accountOf(report),
      perFile: report.perFile.map((f) => ({ file: f.file, commitSeq: f.commitSeq, ...accountOf(f) })),
      changed: report.changed.map((c) => c.file),
      errors: report.errors.map((e) => ({ file: e.file, code: e.code, message: e.message, line: e.line ?? null })),
    };
    ctx.log(`prepared ${report.files} new file(s), ${report.kept} rows kept; ${report.alreadyProcessed} already processed`);
    if (!report.ok) {
      const first = report.errors[0] ?? report.changed[0];
      throw new PipelineError('PREPARE_PROBLEMS', `prepare found problems: ${report.errors.length} unreadable and ${report.changed.length} changed raw file(s)${first ? `, first: ${first.file}` : ''}`, {
        context: { raw: o.raw },
      });
    }
    return output;
  },
};

/** A file's or a run's account of its rows, as a task output (JSON). */
function accountOf(a: FileAccount): TaskOutput {
  return {
    rowsIn: a.rowsIn,
    kept: a.kept,
    duplicates: a.duplicates,
    duplicatesOfLake: a.duplicatesOfLake,
    quarantinedTotal: a.quarantinedTotal,
    fixed: { ...a.fixed },
    flagged: { ...a.flagged },
    quarantined: { ...a.quarantined },
  };
}

interface GenerateTaskOptions {
  out: string;
  days: number;
  customers?: number;
  terminals?: number;
  seed?: number;
  startDate?: string;
  noise?: 'none' | 'course' | 'course-raised';
  workers?: number;
}

const generateStage: PipelineStage<GenerateTaskOptions> = {
  name: 'generate',
  description: 'simulate daily raw transaction files (the Fraud Detection Handbook’s simulator), with a manifest of every injected defect',
  schema: {
    out: { type: 'uri', required: true, description: 'where the raw files go (directory or s3:// URI)', schemes: STORE_SCHEMES },
    days: { type: 'integer', required: true, description: 'days of transactions', min: 1, max: 3660 },
    customers: { type: 'integer', description: 'customers', min: 1, max: 100_000_000 },
    terminals: { type: 'integer', description: 'terminals', min: 1, max: 100_000_000 },
    seed: { type: 'integer', description: 'random seed', min: 0 },
    startDate: { type: 'date', description: 'first day' },
    noise: { type: 'string', description: 'defects to inject: none, the course’s rates, or raised rates that a small dataset shows', choices: ['none', 'course', 'course-raised'] },
    workers: { type: 'integer', description: 'days simulated in parallel', min: 1, max: 64 },
  },
  async run(o, ctx) {
    const { generate } = await import('../generator/generate.js');
    const { RAISED_NOISE_RATES } = await import('../generator/options.js');
    const r = await generate(
      {
        out: o.out,
        days: o.days,
        customers: o.customers,
        terminals: o.terminals,
        seed: o.seed,
        startDate: o.startDate,
        noise: o.noise === 'course-raised' ? 'course' : o.noise,
        ...(o.noise === 'course-raised' ? { noiseRates: RAISED_NOISE_RATES } : {}),
        workers: o.workers,
      },
      { signal: ctx.signal, onProgress: (p) => ctx.log(`generated ${p.daysDone}/${p.daysTotal} days, ${p.rowsWritten.toLocaleString('en-US')} rows`) },
    );
    ctx.log(`generated ${r.totals.files} files, ${r.totals.rows.toLocaleString('en-US')} rows (${r.fraud.total.toLocaleString('en-US')} frauds) into ${r.uri}`);
    return {
      out: r.uri,
      files: r.totals.files,
      rows: r.totals.rows,
      fraud: { ...r.fraud },
      defects: { ...r.defects },
      lastDay: r.files.at(-1)?.file ?? null,
      rowsPerSecond: Math.round(r.rowsPerSecond),
    };
  },
};

const manifestCheckStage: PipelineStage<{ raw: string }> = {
  name: 'check.manifest',
  description: 'compare prepare’s account of every row with the generator’s manifest, the ground truth of what was injected',
  schema: { raw: { type: 'uri', required: true, description: 'the generated raw files, with their manifest', schemes: STORE_SCHEMES } },
  async run(o, ctx) {
    const prepared = ctx.upstream('prepare');
    if (!prepared) throw new PipelineError('DAG_INVALID', 'check.manifest needs a prepare task before it');
    const { MANIFEST_NAME } = await import('../generator/manifest.js');
    const { compareWithManifest } = await import('../prepare/manifestCheck.js');
    const manifest = await withStageContext(ctx, undefined, async (stageCtx) => {
      const raw = await stageCtx.store(o.raw);
      if (!(await raw.head(MANIFEST_NAME, ctx.signal))) {
        throw new PipelineError('MANIFEST_MISSING', `${o.raw} has no ${MANIFEST_NAME}: only generated raw files can be checked against a manifest`, { context: { raw: o.raw } });
      }
      return JSON.parse((await raw.readBytes(MANIFEST_NAME, ctx.signal)).toString('utf8')) as Manifest;
    });
    const account = prepared.account as unknown as FileAccount;
    const perFile = prepared.perFile as unknown as Array<FileAccount & { file: string }>;
    const differences = compareWithManifest({ ...account, perFile }, manifest);
    ctx.log(differences.length === 0 ? 'the account matches the manifest exactly' : `${differences.length} difference(s) from the manifest`);
    return { matches: differences.length === 0, differences: differences.slice(0, 100).map((d) => ({ ...d })), differenceCount: differences.length };
  },
};

interface ScoreTaskOptions {
  raw: string;
  out: string;
  lake?: string;
  tracking?: string;
  model?: string;
  registeredModel?: string;
}

const scoreStage: PipelineStage<ScoreTaskOptions> = {
  name: 'score',
  description: 'score a raw day file with a registered model through the stream scorer’s path, without a broker',
  schema: {
    raw: { type: 'uri', required: true, description: 'a raw day file', schemes: STORE_SCHEMES },
    out: { type: 'string', required: true, description: 'predictions (JSON lines)' },
    lake: { type: 'uri', description: 'the lake, for customer and terminal history', schemes: STORE_SCHEMES },
    tracking: { type: 'uri', description: 'tracking URI', schemes: TRACKING_SCHEMES },
    model: { type: 'string', description: 'alias or version (default champion)' },
    registeredModel: { type: 'string', description: 'registered model name' },
  },
  async run(o, ctx) {
    const { scoreFile } = await import('../scoring/scoreFile.js');
    const r = await withStageContext(ctx, undefined, (stageCtx) =>
      scoreFile({ raw: o.raw, out: o.out, lake: o.lake, tracking: o.tracking, model: o.model, registeredModel: o.registeredModel, signal: ctx.signal }, stageCtx),
    );
    ctx.log(`scored ${r.scored.toLocaleString('en-US')} transactions with version ${r.modelVersion}: ${r.alerts} alerts, ${r.dead} dead letters`);
    // The run stores a task's output as JSON (executeDag's toJson), so the result goes as it is.
    return r as unknown as TaskOutput;
  },
};

const newDataBranch: PipelineStage<Record<string, never>> = {
  name: 'branch.new-data',
  description: 'continue only when prepare committed new files',
  schema: {},
  branch: true,
  async run(_o, ctx) {
    const prepared = ctx.upstream('prepare');
    if (!prepared) throw new PipelineError('DAG_INVALID', 'branch.new-data needs a prepare task before it');
    const newFiles = Number(prepared.newFiles ?? 0);
    return newFiles > 0
      ? { proceed: true, reason: `${newFiles} new file(s)` }
      : { proceed: false, reason: 'no new raw files since the last run' };
  },
};

interface TrainTaskOptions {
  lake: string;
  tracking?: string;
  model?: string;
  search?: string;
  trials?: number;
  folds?: number;
  ensemble?: number;
  seed?: number;
  registeredModel?: string;
}

const trainStage: PipelineStage<TrainTaskOptions> = {
  name: 'train',
  description: 'train a candidate on the lake’s latest complete window and register it',
  schema: taskSchema(TRAIN_OPTIONS, ['lake', 'tracking', 'model', 'search', 'trials', 'folds', 'ensemble', 'seed', 'registered-model'], ['lake']),
  async run(o, ctx) {
    const { train } = await import('../training/train.js');
    const r = await withStageContext(ctx, undefined, (stageCtx) =>
      train(
        {
          lake: o.lake,
          tracking: o.tracking,
          model: o.model as never,
          search: o.search as never,
          trials: o.trials,
          folds: o.folds,
          ensemble: o.ensemble,
          seed: o.seed,
          registeredModel: o.registeredModel,
          signal: ctx.signal,
          onProgress: (m) => ctx.log(m),
        },
        stageCtx,
      ),
    );
    ctx.log(`trained ${r.model}: run ${r.runId}, version ${r.modelVersion}, AP ${r.metrics.ap.toFixed(4)}`);
    return {
      runId: r.runId,
      trackingUri: r.trackingUri,
      model: r.model,
      registeredModel: r.registeredModel,
      modelVersion: r.modelVersion,
      featureSpecHash: r.featureSpecHash,
      metrics: { auc: r.metrics.auc, ap: r.metrics.ap, cp100: r.metrics.cp100 },
    };
  },
};

interface ValidateTaskOptions {
  lake: string;
  tracking?: string;
  metric?: string;
  bootstrap?: number;
  alpha?: number;
  minEffect?: number;
  registeredModel?: string;
}

const validateStage: PipelineStage<ValidateTaskOptions> = {
  name: 'validate',
  description: 'compare the candidate with the champion on the current test window; promote or refuse',
  schema: taskSchema(VALIDATE_OPTIONS, ['lake', 'tracking', 'metric', 'bootstrap', 'alpha', 'min-effect', 'registered-model'], ['lake']),
  async run(o, ctx) {
    const trained = ctx.upstream('train');
    if (!trained) throw new PipelineError('DAG_INVALID', 'validate needs a train task before it');
    const { validate } = await import('../promotion/validate.js');
    const r = await withStageContext(ctx, undefined, (stageCtx) =>
      validate(
        {
          candidate: String(trained.runId),
          lake: o.lake,
          tracking: o.tracking,
          metric: o.metric as never,
          bootstrap: o.bootstrap,
          alpha: o.alpha,
          minEffect: o.minEffect,
          registeredModel: o.registeredModel,
          signal: ctx.signal,
          onProgress: (m) => ctx.log(m),
        },
        stageCtx,
      ),
    );
    ctx.log(`validate: ${r.promoted ? 'PROMOTED' : 'REFUSED'} [${r.decision.code}] ${r.decision.reason}`);
    return {
      candidateRunId: r.candidate.runId,
      version: r.candidate.version ?? null,
      promoted: r.promoted,
      decision: r.decision.code,
      reason: r.decision.reason,
      pValue: Number.isFinite(r.pValue) ? r.pValue : null,
      meanDiff: Number.isFinite(r.meanDiff) ? r.meanDiff : null,
      metric: r.metric,
      test: r.test,
      candidateObserved: r.candidate.observed,
      championObserved: r.champion?.observed ?? null,
      ci: r.ci ?? null,
      report: r.report ? { html: r.report.html, png: r.report.png } : null,
    };
  },
};

const publishStage: PipelineStage<{ announcer: string; registeredModel?: string }> = {
  name: 'publish',
  description: 'announce a promotion (for example a release dispatch); nothing to do when validate refused',
  schema: {
    announcer: { type: 'string', required: true, description: 'announcer URI: none, or one registered by a delivery module', check: checkAnnouncerUri },
    registeredModel: { type: 'string', description: 'registered model name' },
  },
  async run(o, ctx) {
    const validated = ctx.upstream('validate');
    const trained = ctx.upstream('train');
    if (!validated || !trained) throw new PipelineError('DAG_INVALID', 'publish needs train and validate tasks before it');
    if (validated.promoted !== true) {
      ctx.log(`publish: nothing to announce (${String(validated.decision)})`);
      return { announced: false, target: null, decision: validated.decision, detail: null };
    }
    const announcer = await openAnnouncer(o.announcer);
    const result = await announcer.announce(
      {
        modelName: String(o.registeredModel ?? trained.registeredModel),
        version: String(validated.version ?? trained.modelVersion),
        runId: ctx.logicalRunId,
        specHash: ctx.specHash,
        decision: String(validated.decision),
      },
      ctx.signal,
    );
    ctx.log(`publish: ${result.delivered ? `announced to ${result.target}` : `announcer ${result.target} delivers nothing`}`);
    return { announced: result.delivered, target: result.target, decision: validated.decision, detail: result.detail ?? null };
  },
};

/** Every stage a pipeline task may name. */
export const PIPELINE_STAGES: ReadonlyMap<string, PipelineStage> = new Map(
  ([clusterEnsure, generateStage, prepareStage, manifestCheckStage, newDataBranch, trainStage, validateStage, scoreStage, publishStage, clusterTeardown] as PipelineStage<never>[]).map(
    (s) => [s.name, s as unknown as PipelineStage],
  ),
);

export type { TaskContext, TaskOutput };
