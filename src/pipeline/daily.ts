/**
 * The daily DAG, defined once: cluster.ensure → prepare (new files only) → branch on new data → train → validate →
 * publish, and cluster.teardown after everything, whatever happened (trigger `always`). `dagDefinition` builds a
 * named DAG from the pipeline settings; the scheduler, `pipeline run`, the demo and the Airflow export all use it.
 */
import { ConfigError } from '../errors.js';
import type { DagDefinition } from './dag.js';
import { demoDag, type DemoDataset } from './demoDag.js';

export interface PipelineSettings {
  raw?: string;
  lake?: string;
  tracking?: string;
  /** Cluster provider URI; default `none`. */
  cluster?: string;
  /** Announcer URI; default `none`. */
  announcer?: string;
  registeredModel?: string;
  model?: string;
  search?: string;
  trials?: number;
  folds?: number;
  seed?: number;
  bootstrap?: number;
  metric?: string;
  alpha?: number;
  minEffect?: number;
  /** Attempts per train task (the first included). */
  trainAttempts?: number;
  /** The demo DAG's generated dataset and where its predictions go. */
  dataset?: DemoDataset;
  predictions?: string;
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export function dailyDag(s: PipelineSettings): DagDefinition {
  const cluster = { provider: s.cluster ?? 'none' };
  const tracking = s.tracking;
  return {
    name: 'daily',
    description: 'prepare the new raw files, then retrain, validate and announce a promotion; the cluster never outlives the run',
    tasks: [
      { name: 'cluster.ensure', stage: 'cluster.ensure', options: cluster, retry: { maxAttempts: 3, intervalSeconds: 10 } },
      { name: 'prepare', stage: 'prepare', after: ['cluster.ensure'], options: defined({ raw: s.raw, lake: s.lake }) },
      { name: 'new-data', stage: 'branch.new-data', after: ['prepare'] },
      {
        name: 'train',
        stage: 'train',
        after: ['new-data'],
        options: defined({ lake: s.lake, tracking, model: s.model, search: s.search, trials: s.trials, folds: s.folds, seed: s.seed, registeredModel: s.registeredModel }),
        retry: { maxAttempts: s.trainAttempts ?? 1 },
      },
      {
        name: 'validate',
        stage: 'validate',
        after: ['train'],
        options: defined({ lake: s.lake, tracking, metric: s.metric, bootstrap: s.bootstrap, alpha: s.alpha, minEffect: s.minEffect, registeredModel: s.registeredModel }),
      },
      { name: 'publish', stage: 'publish', after: ['validate'], options: defined({ announcer: s.announcer ?? 'none', registeredModel: s.registeredModel }), retry: { maxAttempts: 3, intervalSeconds: 10 } },
      { name: 'cluster.teardown', stage: 'cluster.teardown', after: ['publish'], options: cluster, trigger: 'always', retry: { maxAttempts: 3, intervalSeconds: 10 } },
    ],
  };
}

/** The DAGs `--dag` can name. */
export const DAGS: Record<string, (s: PipelineSettings) => DagDefinition> = { daily: dailyDag, demo: demoDag };

export function dagDefinition(name: string, settings: PipelineSettings): DagDefinition {
  const build = DAGS[name];
  if (!build) throw new ConfigError(`unknown DAG "${name}" (known: ${Object.keys(DAGS).join(', ')})`, { context: { dag: name } });
  return build(settings);
}
