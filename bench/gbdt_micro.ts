/**
 * Micro-benchmark of GBDT training on deterministic fraud-like matrices (~1% positives, skewed amounts,
 * small counts, flags, missing values): time per fit and per tree for threads 1 and 2, a hash of the model
 * JSON (identical hashes = identical models), and where the training thread spends its time by phase
 * (binning, gradients, histograms, split finding, partitioning, score update). `--profile` also takes a V8
 * CPU profile in-process and buckets it by function (inlined functions count towards their caller).
 * `--lightgbm` also trains LightGBM (the project venv's) on the same matrix with the same parameters, one and
 * two threads, and prints our time over its time and both held-out AUCs (on a second matrix of the same
 * shape). Not a test; compare its numbers run against run on the same machine.
 *
 *   npx tsx bench/gbdt_micro.ts [--sizes 70k,1M] [--threads 1,2] [--repeat 3] [--trees 200] [--profile]
 *        [--lightgbm] [--min-parallel-cells N] [--cpu-profile out.cpuprofile]
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { auc } from '../src/metrics/auc.js';
import type { Matrix } from '../src/models/Classifier.js';
import { GbdtClassifier } from '../src/models/gbdt/GbdtClassifier.js';
import { newPhaseTimes, trainGbdt } from '../src/models/gbdt/trainGbdt.js';
import { mulberry32 } from '../src/util/prng.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '70k,1M' },
    threads: { type: 'string', default: '1,2' },
    repeat: { type: 'string', default: '3' },
    trees: { type: 'string', default: '200' },
    leaves: { type: 'string', default: '31' },
    profile: { type: 'boolean', default: false },
    lightgbm: { type: 'boolean', default: false },
    /** Override the minParallelCells default (to tune it). */
    'min-parallel-cells': { type: 'string' },
    /** Also write the profile for DevTools / speedscope. */
    'cpu-profile': { type: 'string' },
  },
});

const parseSize = (s: string): number => {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (m === null) throw new Error(`bad size ${s}`);
  return Math.round(Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]) ? 1e3 : 1e6));
};

/** 16 columns shaped like card-fraud features; labels from a sparse log-odds with a ~1% base rate. */
function fraudLike(rows: number, seed: number): { X: Matrix; y: Uint8Array } {
  const rand = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const cols = 16;
  const names = [
    'amount', 'is_weekend', 'is_night', 'cust_n_1d', 'cust_avg_1d', 'cust_n_7d', 'cust_avg_7d', 'cust_n_30d',
    'cust_avg_30d', 'term_n_1d', 'term_risk_1d', 'term_n_7d', 'term_risk_7d', 'term_n_30d', 'term_risk_30d', 'amount_ratio',
  ];
  const data = new Float64Array(rows * cols);
  const y = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const amount = Math.round(Math.exp(3.5 + 1.1 * normal()) * 100) / 100;
    const avg30 = Math.exp(3.5 + 0.6 * normal());
    const tr7 = rand() < 0.02 ? 0.3 + 0.7 * rand() : rand() < 0.5 ? 0 : 0.05 * rand();
    data[o] = amount;
    data[o + 1] = rand() < 2 / 7 ? 1 : 0;
    data[o + 2] = rand() < 0.15 ? 1 : 0;
    data[o + 3] = Math.floor(-Math.log(1 - rand()) * 2);
    data[o + 4] = avg30 * (0.7 + 0.6 * rand());
    data[o + 5] = Math.floor(-Math.log(1 - rand()) * 10);
    data[o + 6] = avg30 * (0.85 + 0.3 * rand());
    data[o + 7] = Math.floor(-Math.log(1 - rand()) * 40);
    data[o + 8] = avg30;
    data[o + 9] = Math.floor(-Math.log(1 - rand()) * 3);
    data[o + 10] = rand() < 0.03 ? NaN : rand() < 0.7 ? 0 : Math.round(rand() * 100) / 100;
    data[o + 11] = Math.floor(-Math.log(1 - rand()) * 20);
    data[o + 12] = rand() < 0.02 ? NaN : tr7;
    data[o + 13] = Math.floor(-Math.log(1 - rand()) * 80);
    data[o + 14] = rand() < 0.01 ? NaN : tr7 * (0.5 + rand());
    data[o + 15] = amount / avg30;
    const z = -5.4 + 1.6 * (amount > 220 ? 1 : 0) + 5 * tr7 + 0.9 * Math.log(Math.max(amount / avg30, 0.05)) * (rand() < 0.5 ? 1 : 0)
      + 0.4 * (data[o + 2] === 1 ? 1 : 0);
    y[i] = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return { X: { rows, cols, data, names }, y };
}

const PHASES: [string, RegExp][] = [
  ['binning', /^(computeBinEdges|quantileEdges|binMatrix|binOf|midpoint)$/],
  ['gradients', /^(computeGradients|sigmoid\w*)$/],
  ['histograms', /^(accumulate\w*|build\w*|run|gatherOrdered)$/],
  ['root counts', /^rootCounts$/],
  ['subtraction', /^subtract/],
  ['split finding', /^(bestSplit|scanFeature)$/],
  ['partitioning', /^partition/],
  ['score update', /^(addToTrainingScores|updateScores.*)$/],
  ['tree growth (other)', /^(growTree|canSplit|newNode)$/],
  ['boosting loop (other)', /^trainGbdt$/],
  ['idle / waiting', /^\((idle|program)\)$/],
  ['gc', /^\(garbage collector\)$/],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}

function bucket(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  profile.samples.forEach((id, k) => {
    const name = byId.get(id)?.callFrame.functionName ?? '';
    const phase = PHASES.find(([, re]) => re.test(name))?.[0] ?? 'other';
    out.set(phase, (out.get(phase) ?? 0) + profile.timeDeltas[k] / 1000);
  });
  return out;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** LightGBM with our parameters under their LightGBM names; times Dataset construction (its binning) and training. */
const LIGHTGBM_SCRIPT = `
import json, sys, time
import numpy as np, lightgbm as lgb
from sklearn.metrics import roc_auc_score
d, rows, cols, trees, leaves, repeat = sys.argv[1], *map(int, sys.argv[2:7])
X = np.fromfile(d + '/X.f64').reshape(rows, cols)
y = np.fromfile(d + '/y.u8', dtype=np.uint8)
Xt = np.fromfile(d + '/Xt.f64').reshape(-1, cols)
yt = np.fromfile(d + '/yt.u8', dtype=np.uint8)
out = {}
for threads in map(int, sys.argv[7].split(',')):
    params = dict(objective='binary', num_leaves=leaves, learning_rate=0.05, max_bin=255, min_data_in_leaf=20,
                  min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, force_col_wise=True, num_threads=threads,
                  bin_construct_sample_cnt=200000, verbose=-1, seed=0, deterministic=True)
    times = []
    for _ in range(repeat + 1):  # the first fit warms up
        t0 = time.perf_counter()
        booster = lgb.train(params, lgb.Dataset(X, y), num_boost_round=trees)
        times.append((time.perf_counter() - t0) * 1000)
    out[threads] = dict(ms=sorted(times[1:])[len(times[1:]) // 2], auc=roc_auc_score(yt, booster.predict(Xt)))
print(json.dumps(out))
`;

function lightgbm(X: Matrix, y: Uint8Array, test: { X: Matrix; y: Uint8Array }, trees: number, leaves: number, repeat: number, threads: number[]): Record<string, { ms: number; auc: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gbdt-micro-'));
  try {
    writeFileSync(join(dir, 'X.f64'), X.data);
    writeFileSync(join(dir, 'y.u8'), y);
    writeFileSync(join(dir, 'Xt.f64'), test.X.data);
    writeFileSync(join(dir, 'yt.u8'), test.y);
    const python = join(ROOT, '.services', 'py', 'bin', 'python');
    const args = ['-c', LIGHTGBM_SCRIPT, dir, ...[X.rows, X.cols, trees, leaves, repeat].map(String), threads.join(',')];
    return JSON.parse(execFileSync(python, args, { encoding: 'utf8' })) as Record<string, { ms: number; auc: number }>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hashOf = (json: unknown): string => createHash('sha256').update(JSON.stringify(json)).digest('hex').slice(0, 12);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const sizes = values.sizes.split(',').map(parseSize);
  const threadCounts = values.threads.split(',').map(Number);
  const repeat = Number(values.repeat);
  const nEstimators = Number(values.trees);
  const numLeaves = Number(values.leaves);
  const minParallelCells = values['min-parallel-cells'] === undefined ? undefined : Number(values['min-parallel-cells']);
  for (const rows of sizes) {
    const { X, y } = fraudLike(rows, 1);
    const pos = y.reduce((s, v) => s + v, 0);
    console.log(`\n${rows} × ${X.cols}, ${((100 * pos) / rows).toFixed(2)}% positives, ${nEstimators} trees, ${numLeaves} leaves`);
    const fit = (threads: number): Promise<{ toJSON(): unknown; predictProba(X: Matrix): Float64Array }> =>
      new GbdtClassifier({ numLeaves, nEstimators, learningRate: 0.05, threads, minParallelCells }).fit(X, y);
    await fit(1); // warm-up: JIT, worker source
    const test = values.lightgbm ? fraudLike(rows, 2) : undefined;
    const perThreads = new Map<number, number>();
    const times = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
    // CPU time of the process (all threads): with other load on the machine, steadier than wall time for one thread
    const cpu = new Map<number, number[]>(threadCounts.map((t) => [t, []]));
    const hashes = new Map<number, string>();
    let ourAuc = NaN;
    // thread counts interleaved within each repeat, so load from other processes falls on all of them alike
    for (let r = 0; r < repeat; r++) {
      for (const threads of threadCounts) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const model = await fit(threads);
        times.get(threads)!.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.get(threads)!.push((c.user + c.system) / 1000);
        hashes.set(threads, hashOf(model.toJSON()));
        if (test !== undefined) ourAuc = auc(test.y, model.predictProba(test.X));
      }
    }
    for (const threads of threadCounts) {
      const ts = times.get(threads)!;
      const t = median(ts);
      perThreads.set(threads, t);
      const ratio = threads === threadCounts[0] ? '' : `  (${(t / perThreads.get(threadCounts[0])!).toFixed(2)}× threads=${threadCounts[0]})`;
      console.log(
        `threads=${threads}: ${t.toFixed(0)} ms/fit (median of ${repeat}: ${ts.map((x) => x.toFixed(0)).join(', ')}), ` +
          `${(t / nEstimators).toFixed(2)} ms/tree, CPU ${median(cpu.get(threads)!).toFixed(0)} ms, model ${hashes.get(threads)!}${ratio}`,
      );
    }
    if (test !== undefined) {
      const peer = lightgbm(X, y, test, nEstimators, numLeaves, repeat, threadCounts);
      for (const threads of threadCounts) {
        const { ms, auc: peerAuc } = peer[threads];
        console.log(
          `LightGBM threads=${threads}: ${ms.toFixed(0)} ms/fit, ${(ms / nEstimators).toFixed(2)} ms/tree; ours / LightGBM ` +
            `${(perThreads.get(threads)! / ms).toFixed(2)}×; held-out AUC ours ${ourAuc.toFixed(4)}, LightGBM ${peerAuc.toFixed(4)}`,
        );
      }
    }
    for (const threads of threadCounts) {
      const times = newPhaseTimes();
      const t0 = performance.now();
      await trainGbdt(X, y, { numLeaves, nEstimators, learningRate: 0.05, threads, minParallelCells }, { phaseTimes: times });
      const wall = performance.now() - t0;
      const parts = Object.entries(times).map(([k, ms]) => `${k} ${ms.toFixed(0)} (${((100 * ms) / wall).toFixed(0)}%)`);
      const rest = wall - Object.values(times).reduce((a, b) => a + b, 0);
      console.log(`phases, threads=${threads}, ${wall.toFixed(0)} ms: ${parts.join(', ')}, other ${rest.toFixed(0)}`);
    }
    if (values.profile) {
      const session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 100 });
      await session.post('Profiler.start');
      const t0 = performance.now();
      await fit(1);
      const wall = performance.now() - t0;
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      if (values['cpu-profile'] !== undefined) writeFileSync(values['cpu-profile'], JSON.stringify(profile));
      const phases = bucket(profile as unknown as Parameters<typeof bucket>[0]);
      console.log(`breakdown, threads=1 (sampled, profiler on: ${wall.toFixed(0)} ms):`);
      for (const [name, ms] of [...phases].sort((a, b) => b[1] - a[1])) {
        console.log(`  ${name.padEnd(24)} ${ms.toFixed(0).padStart(6)} ms  ${((100 * ms) / wall).toFixed(1).padStart(5)}%`);
      }
    }
  }
}

await main();
