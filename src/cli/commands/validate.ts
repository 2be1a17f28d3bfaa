/** `fraudops validate`: thin shell over the validation stage. */
import type { Command } from '../command.js';
import { VALIDATE_OPTIONS } from '../../promotion/options.js';

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
    'A test window the lake does not fully hold (--min-test-days, default all of it) or with fewer than',
    '--min-test-frauds frauds (default 20) is refused with TOO_LITTLE_DATA: no decision rests on it. Features',
    'whose history is cut short by the lake\'s start are a warning (HISTORY_CUT_SHORT) on stderr and in --json.',
  ].join('\n'),
  examples: [
    'fraudops validate --candidate 3f2a9c0d4b5e4d7e8f901234abcd5678 --lake ./lake',
    'fraudops validate --candidate models:/fraudops-fraud/7 --lake ./lake --metric auc --test delong --json',
    'fraudops validate --candidate <run-id> --lake ./lake --test course-t --bootstrap 100 --dry-run',
  ],
  flags: VALIDATE_OPTIONS,
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
      minTestDays: flags['min-test-days'] === undefined ? undefined : Number(flags['min-test-days']),
      minTestFrauds: Number(flags['min-test-frauds']),
      dryRun: flags['dry-run'] === true,
      tracking: flags.tracking as string | undefined,
      registeredModel: String(flags['registered-model']),
      workDir: flags['work-dir'] as string | undefined,
      engine: String(flags.engine),
      signal: io.signal,
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
