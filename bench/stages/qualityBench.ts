/**
 * The quality bench: what default `fraudops train` reaches on the Handbook's protocol across generator seeds, so
 * the model's quality is judged by a mean and its spread, not by one lucky (or unlucky) draw. For each seed it
 * generates Handbook-size data with the course's defects (5,000 customers, 10,000 terminals, 136 days), prepares
 * it, and trains with the defaults (or with `--train-args`) on the lake's last complete window: 7 training days,
 * 7 days of delay, 7 test days, which on 136 days is the Handbook's 2018-07-25..31 / 08-08..14 split. It prints
 * AUC, AP and CP@100 per seed, their mean ± sample standard deviation, and the mean against the goal and against
 * the Handbook's published tuned models. Inputs and lakes are cached between runs like the other benches'.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cliPath, ensureGenerated, type GenerateParams } from '../lib/generatedData.js';
import { measureCommand } from '../lib/measureCommand.js';
import { positiveInt } from '../lib/dataOptions.js';
import { BenchUsageError } from '../lib/options.js';
import { check, type BenchRow, type BenchStage } from '../lib/stage.js';
import { ensurePreparedLake } from '../train/preparedLake.js';

/** The issue's goal for the default model's mean over seeds. */
const GOAL = { auc: 0.88, ap: 0.7, cp100: 0.31 };
/** The Fraud Detection Handbook's tuned random forest / XGBoost on its own simulated data (chapter 5). */
const HANDBOOK = { auc: 0.87, ap: 0.68, cp100: 0.3 };

type MetricKey = keyof typeof GOAL;
const METRICS: MetricKey[] = ['auc', 'ap', 'cp100'];
const LABEL: Record<MetricKey, string> = { auc: 'AUC', ap: 'AP', cp100: 'CP@100' };

interface SeedResult {
  seed: number;
  metrics: Record<MetricKey, number>;
  trainSeconds: number;
  params: Record<string, number>;
  rows: { train: number; trainFrauds: number; test: number; testFrauds: number };
}

export const qualityBench: BenchStage = {
  name: 'quality',
  summary: 'AUC, AP and CP@100 of default `fraudops train` over generator seeds (mean ± sd) against the goal',
  description:
    'For each seed: generate Handbook-size data (--customers, --terminals, --days, course noise), prepare it, then ' +
    'run `fraudops train --lake <lake> --seed <seed> --json` with the defaults plus --train-args, on the lake\'s last ' +
    '7/7/7 window. Prints the test metrics per seed, their mean ± sd, and the mean against the goal (AUC 0.88, AP 0.70, ' +
    'CP@100 0.31) and the Handbook\'s tuned models (AUC 0.87, AP 0.68, CP@100 0.30).',
  options: {
    seeds: { type: 'string', description: 'generator seeds, comma-separated or a range (1-5)', default: '1-5', placeholder: '<list>' },
    customers: { type: 'number', description: 'customers per data set', default: 5000 },
    terminals: { type: 'number', description: 'terminals per data set', default: 10000 },
    days: { type: 'number', description: 'days per data set (136: the Handbook window is the last 21)', default: 136 },
    noise: { type: 'string', description: 'generator noise mode', default: 'course', placeholder: '<mode>' },
    'train-args': { type: 'string', description: 'extra flags for `fraudops train`, space-separated (e.g. "--trials 16")', default: '', placeholder: '<flags>' },
  },
  examples: ['npm run bench -- quality', 'npm run bench -- quality --seeds 1,2 --train-args="--trials 4 --folds 2"', 'npm run bench -- quality --json'],

  async run(ctx) {
    const seeds = parseSeeds(String(ctx.options.seeds));
    const extra = String(ctx.options['train-args'] ?? '').split(/\s+/).filter(Boolean);
    const base = { customers: positiveInt(ctx.options, 'customers'), terminals: positiveInt(ctx.options, 'terminals'), days: positiveInt(ctx.options, 'days'), noise: String(ctx.options.noise) };
    const results: SeedResult[] = [];
    for (const seed of seeds) {
      ctx.signal.throwIfAborted();
      const params: GenerateParams = { ...base, seed };
      const data = await ensureGenerated(ctx, params, false);
      const lake = await ensurePreparedLake(ctx, data);
      const tracking = await mkdtemp(join(ctx.dataDir, '.quality-tracking-'));
      try {
        ctx.log(`seed ${seed}: training on ${lake.dir} (${lake.firstDay}..${lake.lastDay})...`);
        const args = [cliPath(ctx.root), 'train', '--lake', lake.dir, '--seed', String(seed), '--tracking', tracking, '--work-dir', ctx.dataDir, '--json', ...extra];
        const m = await measureCommand(process.execPath, args, { cwd: ctx.root, stdout: 'capture', signal: ctx.signal });
        if (m.exitCode !== 0) throw new Error(`train (seed ${seed}) exited with ${m.exitCode}:\n${m.stderrTail.slice(-4000)}`);
        const r = trainReport(m.stdout);
        results.push({ seed, metrics: { auc: r.metrics.auc, ap: r.metrics.ap, cp100: r.metrics.cp100 }, trainSeconds: m.wallSeconds, params: r.params, rows: r.rows });
        ctx.log(`  seed ${seed}: AUC ${r.metrics.auc.toFixed(4)}  AP ${r.metrics.ap.toFixed(4)}  CP@100 ${r.metrics.cp100.toFixed(4)}  (${m.wallSeconds.toFixed(0)} s)`);
      } finally {
        await rm(tracking, { recursive: true, force: true });
      }
    }
    const stats = Object.fromEntries(METRICS.map((k) => [k, meanSd(results.map((r) => r.metrics[k]))])) as Record<MetricKey, { mean: number; sd: number }>;
    const rows: BenchRow[] = results.map((r) => ({
      name: `seed ${r.seed}`,
      wallSeconds: r.trainSeconds,
      rows: r.rows.train,
      note: `${METRICS.map((k) => `${LABEL[k]} ${r.metrics[k].toFixed(4)}`).join('  ')}  (train ${r.rows.train} rows/${r.rows.trainFrauds} frauds, test ${r.rows.test}/${r.rows.testFrauds})`,
    }));
    rows.push({
      name: `mean ± sd (${results.length})`,
      wallSeconds: meanSd(results.map((r) => r.trainSeconds)).mean,
      note: METRICS.map((k) => `${LABEL[k]} ${stats[k].mean.toFixed(4)} ± ${stats[k].sd.toFixed(4)}`).join('  '),
    });
    return {
      stage: 'quality',
      params: { seeds: seeds.join(','), ...base, trainArgs: extra.join(' ') || '(defaults)' },
      reference: `seed ${seeds[0]}`,
      rows,
      checks: [
        ...METRICS.map((k) => check(`mean ${LABEL[k]}`, stats[k].mean, 'score', { target: GOAL[k], direction: 'atLeast' })),
        ...METRICS.map((k) => check(`mean ${LABEL[k]} − 2 sd (floor for a quality test)`, stats[k].mean - 2 * stats[k].sd, 'score')),
      ],
      notes: [
        `the Handbook's tuned random forest / XGBoost: AUC ${HANDBOOK.auc}, AP ${HANDBOOK.ap}, CP@100 ${HANDBOOK.cp100}`,
        'wall s is the whole `fraudops train` run (feature building, search, final fit, tracking); rows/s is training rows over it',
      ],
      details: { results, stats, goal: GOAL, handbook: HANDBOOK },
    };
  },
};

function parseSeeds(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (b < a) throw new BenchUsageError(`--seeds: range ${part} runs backwards`);
      for (let s = a; s <= b; s++) out.push(s);
    } else if (/^\d+$/.test(part)) out.push(Number(part));
    else throw new BenchUsageError(`--seeds expects whole numbers or ranges like 1-5, got "${part}"`);
  }
  if (out.length === 0) throw new BenchUsageError('--seeds names no seed');
  return [...new Set(out)];
}

interface TrainJson {
  metrics: Record<MetricKey, number>;
  params: Record<string, number>;
  rows: SeedResult['rows'];
}

/** The `train --json` document: the last line of stdout that parses as one with metrics. */
function trainReport(stdout: string): TrainJson {
  const trimmed = stdout.trim();
  const candidates = [trimmed, ...trimmed.split('\n').reverse()];
  for (const text of candidates) {
    try {
      const doc = JSON.parse(text) as Partial<TrainJson>;
      if (doc.metrics && typeof doc.metrics.ap === 'number' && doc.rows) return doc as TrainJson;
    } catch {
      /* not this one */
    }
  }
  throw new Error(`train printed no JSON report:\n${stdout.slice(-2000)}`);
}

/** Mean and sample standard deviation (0 for a single value). */
function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}
