/**
 * Flags shared by the pipeline commands: where the workflow engine keeps its state, and the settings of the DAG's
 * tasks (the same names as the stage commands' flags, under `pipeline.*` in the config file).
 */
import type { FlagSpec, FlagValues } from '../command.js';
import type { PipelineSettings } from '../../pipeline/daily.js';
import { POSTGRES_SCHEMES, STORE_SCHEMES, TRACKING_SCHEMES } from '../../config/schemes.js';
import { checkAnnouncerUri } from '../../pipeline/announcers/openAnnouncer.js';
import { checkClusterUri } from '../../pipeline/cluster/openCluster.js';
import { TRAIN_OPTIONS } from '../../training/options.js';
import { VALIDATE_OPTIONS } from '../../promotion/options.js';

import { DEFAULT_PIPELINE_DIR, openPipelineDatabase as openDatabase, type RunsLocation } from '../../pipeline/runs.js';
import type { PipelineDatabase } from '../../pipeline/engine/embeddedDatabase.js';

export const engineFlags: Record<string, FlagSpec> = {
  db: {
    type: 'uri',
    description: 'where runs are kept (the workflow engine’s system database): a PostgreSQL URL, or a folder for the embedded database (one process serves it; several schedulers need PostgreSQL)',
    env: 'FRAUDOPS_PIPELINE_DB',
    configKey: 'pipeline.db',
    default: DEFAULT_PIPELINE_DIR,
    placeholder: '<postgresql://…|dir>',
    schemes: [...POSTGRES_SCHEMES, 'file'],
  },
  schema: { type: 'string', description: 'schema for the engine’s tables', env: 'FRAUDOPS_PIPELINE_SCHEMA', configKey: 'pipeline.schema', default: 'fraudops_pipeline', placeholder: '<name>', check: checkSqlName },
};

export const executorFlags: Record<string, FlagSpec> = {
  'executor-id': { type: 'string', description: 'this process’s executor id; distinct per scheduler sharing a database, stable across its restarts (default fraudops-<hostname>)', env: 'FRAUDOPS_EXECUTOR_ID', configKey: 'pipeline.executorId', placeholder: '<id>' },
};

/** A stage option as a pipeline setting: its own type and checks, under `configKey`, without the stage's default. */
function setting(spec: FlagSpec, configKey: string): FlagSpec {
  const { default: _default, required: _required, ...rest } = spec;
  return { ...rest, configKey };
}

export const settingsFlags: Record<string, FlagSpec> = {
  dag: { type: 'string', description: 'which DAG', default: 'daily', choices: ['daily'], configKey: 'pipeline.dag' },
  raw: { type: 'uri', description: 'raw files (directory or s3:// URI)', env: 'FRAUDOPS_RAW', configKey: 'pipeline.raw', placeholder: '<uri>', schemes: STORE_SCHEMES },
  lake: { type: 'uri', description: 'the lake (directory or s3:// URI)', env: 'FRAUDOPS_LAKE', configKey: 'pipeline.lake', placeholder: '<uri>', schemes: STORE_SCHEMES },
  tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'pipeline.tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  cluster: { type: 'string', description: 'compute cluster provider: none, spark-local, yandex-dataproc://<folder-id>', env: 'FRAUDOPS_CLUSTER', configKey: 'pipeline.cluster', default: 'none', placeholder: '<uri>', check: checkClusterUri },
  announcer: { type: 'string', description: 'where a promotion is announced', env: 'FRAUDOPS_ANNOUNCER', configKey: 'pipeline.announcer', default: 'none', placeholder: '<uri>', check: checkAnnouncerUri },
  // The stages' own option specs, under pipeline.* in the config file and without the stage defaults.
  model: setting(TRAIN_OPTIONS.model, 'pipeline.model'),
  search: setting(TRAIN_OPTIONS.search, 'pipeline.search'),
  trials: setting(TRAIN_OPTIONS.trials, 'pipeline.trials'),
  folds: setting(TRAIN_OPTIONS.folds, 'pipeline.folds'),
  seed: setting(TRAIN_OPTIONS.seed, 'pipeline.seed'),
  bootstrap: setting(VALIDATE_OPTIONS.bootstrap, 'pipeline.bootstrap'),
  'train-attempts': { type: 'integer', description: 'attempts of the train task before the run fails', configKey: 'pipeline.trainAttempts', min: 1, max: 100 },
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

/** The system database the flags name: a PostgreSQL server, or the embedded database in a folder (served while open). */
export function openPipelineDatabase(flags: FlagValues): Promise<PipelineDatabase> {
  return openDatabase(typeof flags.db === 'string' ? flags.db : undefined);
}

/** Where the flags say runs are kept (`--db`, `--schema`, `--executor-id`). */
export function runsLocation(flags: FlagValues): RunsLocation {
  return {
    db: typeof flags.db === 'string' ? flags.db : undefined,
    schema: String(flags.schema),
    ...(typeof flags['executor-id'] === 'string' ? { executorId: flags['executor-id'] } : {}),
  };
}

/** A PostgreSQL schema name as the engine creates it: a plain identifier. */
export function checkSqlName(name: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new Error(`expected a plain SQL identifier (letters, digits, _; at most 63), got "${name}"`);
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
