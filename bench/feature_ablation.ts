/**
 * Feature ablation: default `train` (the same search, the same seeds) with feature-spec variants on the quality
 * bench's prepared lakes, so the variants are compared on paired draws. Prints AUC, AP and CP@100 per seed and
 * variant, then each variant's mean ± sd and its mean paired difference against the first variant. Run after
 * `npm run bench -- quality` has prepared the lakes:
 *   npx tsx bench/feature_ablation.ts --seeds 1-5 --variants base,outliers,outliers+gap [--trials 8 --folds 4 --ensemble 3]
 * Variants are `base` (the spec without scenario features), `default` (DEFAULT_FEATURE_SPEC as it is) or
 * `+`-joined groups added to base. Not a test: numbers go to the README. (The time since the previous
 * transaction, customer–terminal pair counts and terminal activity growth were measured with this driver and
 * dropped; see the README.)
 */
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { train } from '../src/training/train.js';
import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from '../src/features/spec.js';

/** The Handbook's 15 features and the three amount ratios: what the default was before the scenario features. */
const SCENARIO_DEFAULTS = { outlierRatio: undefined, outlierBaseWindowDays: undefined, outlierWindowsDays: undefined };

const GROUPS: Record<string, Partial<FeatureSpec>> = {
  outliers: { outlierRatio: 3, outlierBaseWindowDays: 30, outlierWindowsDays: [7, 14] },
  outliers2: { outlierRatio: 2, outlierBaseWindowDays: 30, outlierWindowsDays: [7, 14] },
  outliers7: { outlierRatio: 3, outlierBaseWindowDays: 30, outlierWindowsDays: [7] },
};

function variantSpec(name: string): FeatureSpec {
  const spec: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, ...SCENARIO_DEFAULTS };
  if (name === 'base') return spec;
  if (name === 'default') return DEFAULT_FEATURE_SPEC;
  for (const g of name.split('+')) {
    if (!GROUPS[g]) throw new Error(`unknown feature group ${g} (known: ${Object.keys(GROUPS).join(', ')})`);
    Object.assign(spec, GROUPS[g]);
  }
  return spec;
}

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1-5' },
    variants: { type: 'string', default: 'base,outliers' },
    lakes: { type: 'string', default: '.data/bench/lakes' },
    out: { type: 'string', default: '.data/bench/feature-ablation.jsonl' },
    'work-dir': { type: 'string', default: '.data/bench' },
    trials: { type: 'string' },
    folds: { type: 'string' },
    ensemble: { type: 'string' },
  },
});
const seeds = values.seeds!.split(',').flatMap((p) => {
  const m = /^(\d+)-(\d+)$/.exec(p);
  return m ? Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i) : [Number(p)];
});
const variants = values.variants!.split(',');
variants.forEach(variantSpec);

// The search defaults to train's own; a smaller one ranks variants faster (the candidates are the same per seed).
const search = Object.fromEntries(
  (['trials', 'folds', 'ensemble'] as const).filter((k) => values[k] !== undefined).map((k) => [k, Number(values[k])]),
);
type Row = { variant: string; seed: number; auc: number; ap: number; cp100: number; seconds: number };
const rows: Row[] = [];
for (const seed of seeds) {
  const lake = resolve(values.lakes!, `d136-c5000-t10000-s${seed}-course`);
  if (!existsSync(lake)) throw new Error(`${lake}: no prepared lake; run npm run bench -- quality --seeds ${seed} first`);
  for (const variant of variants) {
    const tracking = mkdtempSync(join(values['work-dir']!, '.ablation-tracking-'));
    try {
      const started = Date.now();
      const r = await train({ lake, seed, spec: variantSpec(variant), tracking, workDir: values['work-dir'], ...search });
      const row = { variant, seed, auc: r.metrics.auc, ap: r.metrics.ap, cp100: r.metrics.cp100, seconds: (Date.now() - started) / 1000 };
      rows.push(row);
      const load = loadavg().map((l) => l.toFixed(2)).join(' ');
      appendFileSync(values.out!, JSON.stringify({ ...row, search, load, at: new Date().toISOString() }) + '\n');
      console.log(`seed ${seed} ${variant.padEnd(24)} AUC ${row.auc.toFixed(4)}  AP ${row.ap.toFixed(4)}  CP@100 ${row.cp100.toFixed(4)}  (${row.seconds.toFixed(0)} s, load ${load})`);
    } finally {
      rmSync(tracking, { recursive: true, force: true });
    }
  }
}

const meanSd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return `${mean.toFixed(4)} ± ${sd.toFixed(4)}`;
};
const metrics = ['auc', 'ap', 'cp100'] as const;
console.log(`\nmean ± sd over seeds ${seeds.join(',')}; Δ = paired difference against ${variants[0]}`);
for (const variant of variants) {
  const mine = rows.filter((r) => r.variant === variant);
  const base = rows.filter((r) => r.variant === variants[0]);
  const cells = metrics.map((k) => {
    const deltas = mine.map((r) => r[k] - base.find((b) => b.seed === r.seed)![k]);
    return `${k.toUpperCase()} ${meanSd(mine.map((r) => r[k]))} (Δ ${meanSd(deltas)})`;
  });
  console.log(`${variant.padEnd(24)} ${cells.join('  ')}`);
}
