/**
 * Flags shared by the pipeline commands: where the workflow engine keeps its state, and the settings of the DAG's
 * tasks (the same names as the stage commands' flags, under `pipeline.*` in the config file).
 */
import { ConfigError } from '../../errors.js';
import type { FlagSpec, FlagValues } from '../command.js';
import type { PipelineSettings } from '../../pipeline/daily.js';

export const engineFlags: Record<string, FlagSpec> = {
  db: { type: 'string', description: 'PostgreSQL URL where runs are kept (the workflow engine’s system database)', env: 'FRAUDOPS_PIPELINE_DB', configKey: 'pipeline.db', placeholder: '<postgresql://…>' },
  schema: { type: 'string', description: 'schema for the engine’s tables', env: 'FRAUDOPS_PIPELINE_SCHEMA', configKey: 'pipeline.schema', default: 'fraudops_pipeline', placeholder: '<name>' },
};

export const executorFlags: Record<string, FlagSpec> = {
  'executor-id': { type: 'string', description: 'this process’s executor id; distinct per scheduler sharing a database, stable across its restarts (default fraudops-<hostname>)', env: 'FRAUDOPS_EXECUTOR_ID', configKey: 'pipeline.executorId', placeholder: '<id>' },
};

export const settingsFlags: Record<string, FlagSpec> = {
  dag: { type: 'string', description: 'which DAG', default: 'daily', choices: ['daily'], configKey: 'pipeline.dag' },
  raw: { type: 'string', description: 'raw files (directory or s3:// URI)', env: 'FRAUDOPS_RAW', configKey: 'pipeline.raw', placeholder: '<uri>' },
  lake: { type: 'string', description: 'the lake (directory or s3:// URI)', env: 'FRAUDOPS_LAKE', configKey: 'pipeline.lake', placeholder: '<uri>' },
  tracking: { type: 'string', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'pipeline.tracking', placeholder: '<uri>' },
  cluster: { type: 'string', description: 'compute cluster provider: none, spark-local, yandex-dataproc://<folder-id>', env: 'FRAUDOPS_CLUSTER', configKey: 'pipeline.cluster', default: 'none', placeholder: '<uri>' },
  announcer: { type: 'string', description: 'where a promotion is announced', env: 'FRAUDOPS_ANNOUNCER', configKey: 'pipeline.announcer', default: 'none', placeholder: '<uri>' },
  model: { type: 'string', description: 'model kind to train', choices: ['auto', 'gbdt', 'logreg'], configKey: 'pipeline.model' },
  search: { type: 'string', description: 'hyperparameter search', choices: ['grid', 'random'], configKey: 'pipeline.search' },
  trials: { type: 'number', description: 'GBDT candidates to try', configKey: 'pipeline.trials' },
  folds: { type: 'number', description: 'prequential folds', configKey: 'pipeline.folds' },
  seed: { type: 'number', description: 'random seed', configKey: 'pipeline.seed' },
  bootstrap: { type: 'number', description: 'bootstrap replicates for validation', configKey: 'pipeline.bootstrap' },
  'train-attempts': { type: 'number', description: 'attempts of the train task before the run fails', configKey: 'pipeline.trainAttempts' },
};

export function settingsFrom(flags: FlagValues): PipelineSettings {
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const num = (k: string) => (typeof flags[k] === 'number' ? (flags[k] as number) : undefined);
  return Object.fromEntries(
    Object.entries({
      raw: str('raw'),
      lake: str('lake'),
      tracking: str('tracking'),
      cluster: str('cluster'),
      announcer: str('announcer'),
      model: str('model'),
      search: str('search'),
      trials: num('trials'),
      folds: num('folds'),
      seed: num('seed'),
      bootstrap: num('bootstrap'),
      trainAttempts: num('train-attempts'),
    }).filter(([, v]) => v !== undefined),
  ) as PipelineSettings;
}

export function databaseUrl(flags: FlagValues): string {
  const db = flags.db;
  if (typeof db !== 'string' || db === '') {
    throw new ConfigError('no pipeline database: set --db, FRAUDOPS_PIPELINE_DB or pipeline.db in the config file to a postgresql:// URL');
  }
  if (!/^postgres(ql)?:\/\//.test(db)) throw new ConfigError(`--db must be a postgresql:// URL, got "${db.replace(/\/\/[^@]*@/, '//***@')}"`, { context: { field: 'db' } });
  return db;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function checkDate(value: string, flag: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)) || new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    throw new ConfigError(`--${flag} must be a date YYYY-MM-DD, got "${value}"`, { context: { field: flag } });
  }
  return value;
}
