/** `fraudops validate`: thin shell over the validation stage. */
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../../config/schemes.js';
import { checkEngineUri } from '../../engine/openEngine.js';
import type { Command } from '../command.js';

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(2) : x.toFixed(4));

export const validateCommand: Command = {
  name: 'validate',
  summary: 'compare a candidate with the champion on the current test window; promote only on a significant gain',
  usage:
    'fraudops validate --candidate <run-id|models:/name/version> --lake <uri> [--against champion] [--metric ap|auc|cp100] [--bootstrap 1000] [--alpha 0.05] [--min-effect X] [--test paired-bootstrap|delong|course-t] [--json]',
  description: [
    'Both models are scored on the same rows; the paired bootstrap resamples the same indices for both (optionally',
    'whole days or cards with --block). delong compares ROC AUCs analytically. course-t is the old course test',
    '(unpaired Student t-test over independent bootstrap replicates; --welch for unequal variances), kept for',
    'comparison: its p-value shrinks as --bootstrap grows whatever the true difference. The first model becomes',
    'the champion. Promotion moves the `champion` alias and keeps the former one as `previous-champion`.',
  ].join('\n'),
  examples: [
    'fraudops validate --candidate 3f2a9c0d4b5e4d7e8f901234abcd5678 --lake ./lake',
    'fraudops validate --candidate models:/fraudops-fraud/7 --lake ./lake --metric auc --test delong --json',
    'fraudops validate --candidate <run-id> --lake ./lake --test course-t --bootstrap 100 --dry-run',
  ],
  flags: {
    candidate: { type: 'string', description: 'model to validate: run id, runs:/<id>, models:/<name>/<version> or models:/<name>@<alias>', required: true, placeholder: '<ref>' },
    lake: { type: 'uri', description: 'lake root', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    against: { type: 'string', description: 'alias or model reference to compare with', default: 'champion', placeholder: '<alias|ref>' },
    metric: { type: 'string', description: 'metric compared', choices: ['ap', 'auc', 'cp100'], default: 'ap', configKey: 'validate.metric' },
    test: { type: 'string', description: 'statistical test', choices: ['paired-bootstrap', 'delong', 'course-t'], default: 'paired-bootstrap', configKey: 'validate.test' },
    bootstrap: { type: 'integer', description: 'bootstrap replicates', default: 1000, configKey: 'validate.bootstrap', min: 10, max: 1_000_000 },
    alpha: { type: 'number', description: 'significance level', default: 0.05, configKey: 'validate.alpha', above: 0, below: 1 },
    'min-effect': { type: 'number', description: 'smallest improvement worth promoting', default: 0, configKey: 'validate.minEffect', min: 0 },
    block: { type: 'string', description: 'bootstrap resampling unit', choices: ['none', 'day', 'card'], default: 'none' },
    welch: { type: 'boolean', description: 'course-t: Welch (unequal variances) instead of Student' },
    seed: { type: 'integer', description: 'bootstrap seed', default: 1 },
    'test-end': { type: 'date', description: 'last day of the test window (default: the lake\'s last day)', placeholder: 'YYYY-MM-DD' },
    'test-days': { type: 'integer', description: 'test window length', default: 7, min: 1, max: 3660 },
    'dry-run': { type: 'boolean', description: 'decide and record the evidence, but move no alias' },
    tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
    engine: { type: 'string', description: 'SQL engine URI (duckdb: embedded; sc://host:port[/;token=...] Spark Connect)', default: 'duckdb:', env: 'FRAUDOPS_ENGINE', configKey: 'engine', placeholder: '<uri>', check: checkEngineUri },
    'work-dir': { type: 'string', description: 'scratch directory', env: 'FRAUDOPS_WORK_DIR', placeholder: '<dir>' },
  },
  async run(flags, io) {
    const { validate } = await import('../../promotion/validate.js');
    const r = await validate({
      candidate: String(flags.candidate),
      lake: String(flags.lake),
      against: String(flags.against),
      metric: flags.metric as 'ap' | 'auc' | 'cp100',
      test: flags.test as 'paired-bootstrap' | 'delong' | 'course-t',
      bootstrap: Number(flags.bootstrap),
      alpha: Number(flags.alpha),
      minEffect: Number(flags['min-effect']),
      block: flags.block as 'none' | 'day' | 'card',
      welch: flags.welch === true,
      seed: Number(flags.seed),
      testEnd: flags['test-end'] as string | undefined,
      testDays: Number(flags['test-days']),
      dryRun: flags['dry-run'] === true,
      tracking: flags.tracking as string | undefined,
      registeredModel: String(flags['registered-model']),
      workDir: flags['work-dir'] as string | undefined,
      engine: String(flags.engine),
      signal: io.signal,
      onProgress: (m) => io.progress(`validate: ${m}`),
    }, io.ctx);
    if (io.json) {
      io.out(JSON.stringify(r, null, 2));
    } else {
      io.out(`test window ${r.window.from}..${r.window.to}: ${r.window.rows} rows, ${r.window.frauds} frauds`);
      io.out(`candidate ${r.candidate.ref} (v${r.candidate.version ?? '?'}, ${r.candidate.kind}): ${r.metric} ${fmt(r.candidate.observed)}`);
      if (r.champion) io.out(`champion  ${r.champion.ref} (v${r.champion.version ?? '?'}, ${r.champion.kind}): ${r.metric} ${fmt(r.champion.observed)}`);
      if (r.ci) io.out(`difference ${fmt(r.meanDiff)}, ${Math.round((1 - r.alpha) * 100)}% CI [${fmt(r.ci[0])}, ${fmt(r.ci[1])}], ${r.test} p = ${fmt(r.pValue)}`);
      io.out(`${r.promoted ? 'PROMOTED' : 'NOT PROMOTED'} [${r.decision.code}] ${r.decision.reason}`);
    }
    return 0;
  },
};
