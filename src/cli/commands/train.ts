/** `fraudops train`: thin shell over the training stage. */
import type { Command } from '../command.js';
import { TRAIN_OPTIONS } from '../../training/options.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a fraud model with time-aware hyperparameter search; track it and register a version',
  usage:
    'fraudops train --lake <uri> [--train-start D --train-days N --delay-days N --test-days N] [--model gbdt|logreg|auto] [--search grid|random --trials N | --budget 5m] [--ensemble N] [--metric ap|auc|cp100] [--json]',
  description: [
    'Windows follow the Fraud Detection Handbook protocol: train, then a delay, then test; test transactions of',
    'cards already known to be compromised are removed. The search validates prequentially on windows before the',
    'training window ends. Runs are tracked in MLflow when MLFLOW_TRACKING_URI (or --tracking) is an http(s) URI,',
    'otherwise in the embedded store ./mlruns-fraudops. Default training start: the latest complete window.',
    '--trials counts boosted-tree candidates; logistic regression always tries its 5-point C grid (so --model auto',
    '--trials 8 tries 13). A lake too young for all --folds searches with as many as it holds and says so',
    '(SEARCH_FOLDS_REDUCED); features whose history the lake cuts short are a warning (HISTORY_CUT_SHORT).',
  ].join('\n'),
  examples: [
    'fraudops train --lake ./lake',
    'fraudops train --lake ./lake --train-start 2018-07-25 --model auto --search grid --trials 12 --metric ap --json',
    'fraudops train --lake ./lake --budget 5m --ensemble 3',
    'MLFLOW_TRACKING_URI=http://127.0.0.1:5050 fraudops train --lake s3://fraud-lake/v1 --model gbdt',
  ],
  flags: TRAIN_OPTIONS,
  async run(flags, io) {
    const { train } = await import('../../training/train.js');
    const r = await train({
      lake: String(flags.lake),
      trainStart: flags['train-start'] as string | undefined,
      trainDays: Number(flags['train-days']),
      delayDays: Number(flags['delay-days']),
      testDays: Number(flags['test-days']),
      model: flags.model as 'gbdt' | 'logreg' | 'auto',
      search: flags.search as 'grid' | 'random',
      trials: flags.trials === undefined ? undefined : Number(flags.trials),
      budgetMs: flags.budget === undefined ? undefined : Number(flags.budget),
      folds: Number(flags.folds),
      ensemble: Number(flags.ensemble),
      metric: flags.metric as 'ap' | 'auc' | 'cp100',
      maxTrainRows: Number(flags['max-train-rows']),
      maxValidationRows: Number(flags['max-validation-rows']),
      earlyStoppingRounds: Number(flags['early-stopping']),
      workers: flags.workers === undefined ? undefined : Number(flags.workers),
      seed: Number(flags.seed),
      tracking: flags.tracking as string | undefined,
      experiment: String(flags.experiment),
      registeredModel: String(flags['registered-model']),
      workDir: flags['work-dir'] as string | undefined,
      engine: String(flags.engine),
      signal: io.signal,
    }, io.ctx);
    if (io.json) {
      io.out(JSON.stringify(r, null, 2));
    } else {
      io.out(`run ${r.runId} (${r.trackingUri}) → ${r.registeredModel} version ${r.modelVersion}`);
      const perKind = Object.entries(r.search.candidates).map(([kind, n]) => `${n} ${kind}`).join(' + ');
      const folds = r.search.folds < r.search.foldsAsked ? `${r.search.folds} of ${r.search.foldsAsked} folds asked` : `${r.search.folds} folds`;
      io.out(`model ${r.model} ${JSON.stringify(r.params)}; search ${r.search.mode}${r.search.budgetMs === undefined ? '' : ` (budget ${r.search.budgetMs / 1000} s)`}, ${r.search.trials} candidates (${perKind}) × ${folds}${r.search.ensemble > 1 ? `, best ${r.search.ensemble} averaged` : ''}, best ${r.search.metric} ${r.search.bestScore.toFixed(4)}`);
      io.out(`train ${r.windows.train.join('..')} (${r.rows.train} rows, ${r.rows.trainFrauds} frauds); test ${r.windows.test.join('..')} (${r.rows.test} rows, ${r.rows.testFrauds} frauds, ${r.rows.removedKnownCompromised} known-compromised removed)`);
      io.out(`test AUC ${r.metrics.auc.toFixed(4)}  AP ${r.metrics.ap.toFixed(4)}  CP@100 ${r.metrics.cp100.toFixed(4)}  log loss ${r.metrics.logloss.toFixed(4)}`);
    }
    return 0;
  },
};
