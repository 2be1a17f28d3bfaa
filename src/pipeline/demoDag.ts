/**
 * The demo DAG: the daily pipeline's shape on a dataset it generates first, with a second candidate, so one run
 * shows everything the product does on embedded defaults. generate → prepare → (manifest check, new-data branch)
 * → train a boosted-tree model → validate it (the first model becomes the champion) → train a logistic-regression
 * challenger → validate it against the champion (refused unless significantly better) → score the last day file
 * with the champion through the stream scorer's path, and cluster.teardown whatever happened.
 */
import { ConfigError } from '../errors.js';
import type { DagDefinition } from './dag.js';

/** The dataset the demo generates. */
export interface DemoDataset {
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  startDate: string;
}

/** The generated day files' names: `YYYY-MM-DD.txt` from the first day on. */
export function lastDayFile(dataset: Pick<DemoDataset, 'days' | 'startDate'>): string {
  const first = Date.parse(`${dataset.startDate}T00:00:00Z`);
  return `${new Date(first + (dataset.days - 1) * 86_400_000).toISOString().slice(0, 10)}.txt`;
}

/** The settings the demo DAG reads (a part of the pipeline settings, kept here so daily.ts alone imports this file). */
export interface DemoDagSettings {
  raw?: string;
  lake?: string;
  tracking?: string;
  cluster?: string;
  dataset?: DemoDataset;
  predictions?: string;
}

export function demoDag(s: DemoDagSettings): DagDefinition {
  const { raw, lake, dataset, predictions } = s;
  if (!raw || !lake || !dataset || !predictions) {
    throw new ConfigError('the demo DAG needs raw, lake, dataset and predictions settings', { context: { dag: 'demo' } });
  }
  const cluster = { provider: s.cluster ?? 'none' };
  const tracking = s.tracking === undefined ? {} : { tracking: s.tracking };
  // One validation fold keeps the demo quick; averaging the three candidates it tries (--ensemble 3) gave the
  // best test AP and AUC of the small searches measured, for a third of the cost of a two-fold, four-trial one.
  const trainCommon = { lake, ...tracking, folds: 1, seed: 1 };
  const validateCommon = { lake, ...tracking, bootstrap: 500 };
  return {
    name: 'demo',
    description: 'generate a small noisy dataset, prepare it, train and validate a champion and a challenger, and score the last day',
    tasks: [
      { name: 'cluster.ensure', stage: 'cluster.ensure', options: cluster },
      { name: 'generate', stage: 'generate', after: ['cluster.ensure'], options: { out: raw, ...dataset, noise: 'course-raised', workers: 2 } },
      { name: 'prepare', stage: 'prepare', after: ['generate'], options: { raw, lake } },
      { name: 'check-manifest', stage: 'check.manifest', after: ['prepare'], options: { raw } },
      { name: 'new-data', stage: 'branch.new-data', after: ['prepare'] },
      { name: 'train', stage: 'train', after: ['new-data'], options: { ...trainCommon, model: 'gbdt', search: 'random', trials: 3, ensemble: 3 } },
      { name: 'validate', stage: 'validate', after: ['train'], options: validateCommon },
      { name: 'train-challenger', stage: 'train', after: ['validate'], options: { ...trainCommon, model: 'logreg' } },
      { name: 'validate-challenger', stage: 'validate', after: ['train-challenger'], options: validateCommon },
      {
        name: 'score',
        stage: 'score',
        after: ['validate-challenger'],
        options: { raw: `${raw.replace(/\/+$/, '')}/${lastDayFile(dataset)}`, out: predictions, lake, ...tracking },
      },
      { name: 'cluster.teardown', stage: 'cluster.teardown', after: ['score', 'check-manifest'], options: cluster, trigger: 'always' },
    ],
  };
}
