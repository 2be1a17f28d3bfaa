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

/**
 * Runs a product stage under a stage context built for this task, as the CLI builds one per command: the task's
 * signal, its log for the stage's events, stores and tracking opened once and closed when the task ends.
 */
async function withStageContext<T>(task: TaskContext, workDir: string | undefined, fn: (ctx: StageContext) => Promise<T>): Promise<T> {
  const ctx = createStageContext({ signal: task.signal, workDir, onEvent: (e) => task.log(e.message) });
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
  seed?: number;
  registeredModel?: string;
}

const trainStage: PipelineStage<TrainTaskOptions> = {
  name: 'train',
  description: 'train a candidate on the lake’s latest complete window and register it',
  schema: taskSchema(TRAIN_OPTIONS, ['lake', 'tracking', 'model', 'search', 'trials', 'folds', 'seed', 'registered-model'], ['lake']),
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
  ([clusterEnsure, prepareStage, newDataBranch, trainStage, validateStage, publishStage, clusterTeardown] as PipelineStage<never>[]).map(
    (s) => [s.name, s as unknown as PipelineStage],
  ),
);

export type { TaskContext, TaskOutput };
