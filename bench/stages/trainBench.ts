/**
 * The train bench: on one feature matrix written once to Parquet, our GBDT against LightGBM (goal: at most 2× its
 * training time, AUC within 0.003) and our logistic regression against scikit-learn's; and feature building
 * (`buildFeatures` over a ≥20M-row lake) in rows/s, optionally against PySpark window functions. Every side reads
 * the same files and times training alone, inside its own process; data loading is never on the clock.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { historyDays } from '../../src/features/spec.js';
import { positiveInt } from '../lib/dataOptions.js';
import { flushDirtyPages } from '../lib/floors.js';
import { cliPath, customersForRows, datasetKey, ensureGenerated, estimateRows, type GenerateParams } from '../lib/generatedData.js';
import { measureCommand, type Measurement } from '../lib/measureCommand.js';
import { BenchUsageError, type OptionValues } from '../lib/options.js';
import { ensurePySpark } from '../lib/pyspark.js';
import { check, type BenchCheck, type BenchContext, type BenchRow, type BenchStage } from '../lib/stage.js';
import { ensureFeatureMatrix, ensureSyntheticMatrix, type MatrixFiles } from '../train/matrixFiles.js';
import { ensurePreparedLake } from '../train/preparedLake.js';
import { ensureTrainPeers, type TrainPeers } from '../train/trainPeers.js';

const GOAL_GBDT_OVER_LIGHTGBM = 2;
const GOAL_AUC_DIFFERENCE = 0.003;

/** What a fitting child prints (bench/train/fitOurs.ts and the Python peers agree on these fields). */
interface FitReport {
  trainRows: number;
  testRows: number;
  cols: number;
  fitSeconds: number[];
  medianFitSeconds: number;
  /** CPU seconds of the process over the fit, every thread (median of the repeats); peers that report it. */
  medianCpuSeconds?: number;
  auc: number;
  version?: string;
  trees?: number;
  iterations?: number;
  params?: Record<string, unknown>;
}

interface AucComparison {
  name: string;
  ours: number;
  peer: number;
  difference: number;
  target?: number;
  met?: boolean;
}

export const trainBench: BenchStage = {
  name: 'train',
  summary: 'GBDT vs LightGBM (≤2×, |ΔAUC| ≤ 0.003), logistic regression vs scikit-learn, feature building rows/s',
  description:
    'Writes one feature matrix (train.parquet, test.parquet) from our feature SQL over a prepared Handbook-size lake ' +
    '(5,000 customers, 10,000 terminals; or --synthetic-rows), then times on it, each side in its own process and ' +
    'training alone: our GbdtClassifier and LightGBM (lgb.train) with the same parameters (31 leaves, rate 0.1, 200 ' +
    'rounds, min 20 rows and 1e-3 hessian a leaf, no L2, 255 bins, no bagging, 2 threads); our LogisticRegression and ' +
    "scikit-learn's StandardScaler + LogisticRegression(C=1, lbfgs); AUC of each on the held-out test days. Then " +
    'times buildFeatures over a whole ≥20M-row lake (the prepare bench\'s generated input, prepared once and cached) ' +
    'and, unless --skip-spark, the same features with PySpark window functions.',
  options: {
    rows: { type: 'number', description: 'target training rows of the Handbook-size matrix; sets --days', default: 400_000 },
    days: { type: 'number', description: 'days to generate for the matrix (default: window history + train days for --rows + gap + test)' },
    customers: { type: 'number', description: 'customers of the matrix data set', default: 5000 },
    terminals: { type: 'number', description: 'terminals of the matrix data set', default: 10_000 },
    'test-days': { type: 'number', description: 'last days of the feature range held out as the test set', default: 14 },
    'gap-days': { type: 'number', description: 'days left out between train and test (label delay)', default: 7 },
    'synthetic-rows': { type: 'number', description: 'instead: a synthetic matrix of this many rows (80% train), pure training speed' },
    'synthetic-cols': { type: 'number', description: 'features of the synthetic matrix', default: 16 },
    seed: { type: 'number', description: 'generator (and synthetic matrix) seed', default: 1 },
    noise: { type: 'string', description: 'generator noise mode', default: 'course', placeholder: '<mode>' },
    threads: { type: 'number', description: 'training threads, ours and LightGBM (BLAS threads of scikit-learn)', default: 2 },
    'n-estimators': { type: 'number', description: 'boosting rounds, both sides', default: 200 },
    'num-leaves': { type: 'number', description: 'leaves per tree, both sides', default: 31 },
    'learning-rate': { type: 'number', description: 'shrinkage, both sides', default: 0.1 },
    'feature-rows': { type: 'number', description: 'target lake rows for the feature-building measurement', default: 20_000_000 },
    'feature-days': { type: 'number', description: 'days of the feature-building data set', default: 40 },
    'feature-terminals': { type: 'number', description: 'terminals of the feature-building data set', default: 500_000 },
    'feature-customers': { type: 'number', description: 'customers of the feature-building data set (default: from --feature-rows)' },
    'features-via': { type: 'string', description: 'auto (the CLI when it has `features`), cli or api (buildFeatures in a child)', default: 'auto', placeholder: '<how>' },
    'features-memory': { type: 'string', description: 'DuckDB memory cap of buildFeatures', default: '4GB', placeholder: '<size>' },
    'skip-gbdt': { type: 'boolean', description: 'do not run the GBDT pair' },
    'skip-logreg': { type: 'boolean', description: 'do not run the logistic-regression pair' },
    'skip-features': { type: 'boolean', description: 'do not measure feature building' },
    'skip-spark': { type: 'boolean', description: 'do not run the PySpark feature-building peer' },
    'spark-master': { type: 'string', description: 'Spark master for the feature peer', default: 'local[2]', placeholder: '<url>' },
    'spark-memory': { type: 'string', description: 'spark.driver.memory for the feature peer', default: '4g', placeholder: '<size>' },
  },
  examples: [
    'npm run bench -- train',
    'npm run bench -- train --synthetic-rows 1M --synthetic-cols 16 --skip-features',
    'npm run bench -- train --skip-gbdt --skip-logreg --feature-rows 20M',
    'npm run bench -- train --rows 20k --customers 500 --test-days 2 --gap-days 1 --n-estimators 20 --feature-rows 50k --feature-days 3 --feature-terminals 10000',
  ],

  async run(ctx) {
    const o = ctx.options;
    const threads = positiveInt(o, 'threads');
    const rows: BenchRow[] = [];
    const checks: BenchCheck[] = [];
    const notes: string[] = [];
    const aucs: AucComparison[] = [];
    const details: Record<string, unknown> = {};
    const params: Record<string, unknown> = { threads, repeat: ctx.repeat };
    const runGbdt = o['skip-gbdt'] !== true;
    const runLogreg = o['skip-logreg'] !== true;

    const runDir = join(ctx.dataDir, 'runs', `train-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(runDir, { recursive: true });
    try {
      if (runGbdt || runLogreg) {
        const peers = ensureTrainPeers(ctx.root, ctx.log);
        const matrix = await matrixFor(ctx);
        Object.assign(params, { trainRows: matrix.trainRows, testRows: matrix.testRows, testFrauds: matrix.testPositives, features: matrix.names.length });
        details.matrix = matrix;
        details.peerVersions = peers.versions;
        notes.push(`matrix: ${matrix.source}; frauds: ${matrix.trainPositives} train, ${matrix.testPositives} test`);
        if (matrix.testPositives < 1000) {
          notes.push(`only ${matrix.testPositives} frauds in the test set: AUC differences of a few thousandths may be noise`);
        }

        if (runGbdt) {
          const gbdtArgs = [
            '--threads', String(threads), '--n-estimators', String(positiveInt(o, 'n-estimators')),
            '--num-leaves', String(positiveInt(o, 'num-leaves')), '--learning-rate', String(Number(o['learning-rate'])),
          ];
          Object.assign(params, { nEstimators: o['n-estimators'], numLeaves: o['num-leaves'], learningRate: o['learning-rate'] });
          const ours = await fitOurs(ctx, 'gbdt', matrix, gbdtArgs);
          const peer = await fitPeer(ctx, peers, 'train_lightgbm.py', matrix, gbdtArgs, threads);
          rows.push(
            fitRow('ours gbdt', ours, `GbdtClassifier.fit; AUC ${ours.report.auc.toFixed(4)}; ${String(ours.report.trees)} trees`),
            fitRow('lightgbm', peer, `lgb.train (binning included); AUC ${peer.report.auc.toFixed(4)}; LightGBM ${peers.versions.lightgbm}`),
          );
          checks.push(
            check('ours gbdt ÷ lightgbm', ours.report.medianFitSeconds / peer.report.medianFitSeconds, '×', {
              target: GOAL_GBDT_OVER_LIGHTGBM,
              direction: 'atMost',
            }),
          );
          const [oursCpu, peerCpu] = [ours.report.medianCpuSeconds, peer.report.medianCpuSeconds];
          if (oursCpu !== undefined && peerCpu !== undefined) {
            checks.push(check('ours gbdt ÷ lightgbm, CPU time', oursCpu / peerCpu, '×'));
            notes.push(`gbdt CPU time over the fit, every thread: ours ${oursCpu.toFixed(2)} s, LightGBM ${peerCpu.toFixed(2)} s`);
          }
          aucs.push(compareAuc('gbdt', ours.report.auc, peer.report.auc, GOAL_AUC_DIFFERENCE));
          details.gbdt = { ours: ours.report, lightgbm: peer.report };
        }
        if (runLogreg) {
          const ours = await fitOurs(ctx, 'logreg', matrix, []);
          const peer = await fitPeer(ctx, peers, 'train_logreg.py', matrix, [], threads);
          rows.push(
            fitRow('ours logreg', ours, `LogisticRegression.fit (Newton); AUC ${ours.report.auc.toFixed(4)}`),
            fitRow(
              'sklearn logreg',
              peer,
              `StandardScaler + lbfgs, ${String(peer.report.iterations)} iterations; AUC ${peer.report.auc.toFixed(4)}; scikit-learn ${peers.versions.sklearn}`,
            ),
          );
          checks.push(check('ours logreg ÷ sklearn', ours.report.medianFitSeconds / peer.report.medianFitSeconds, '×'));
          aucs.push(compareAuc('logreg', ours.report.auc, peer.report.auc));
          details.logreg = { ours: ours.report, sklearn: peer.report };
        }
      }

      if (o['skip-features'] !== true) {
        await measureFeatures(ctx, runDir, { rows, checks, notes, details, params });
      }
      if (rows.length === 0) throw new BenchUsageError('every part is skipped: nothing to measure');

      for (const a of aucs) notes.push(formatAuc(a));
      if (rows.length > 2) notes.push('the time ÷ column divides by the first row; each pair\'s own ratio is in the checks above');
      if (runGbdt || runLogreg) {
        notes.push('model times are training alone, taken inside each process (median of --repeat fits); peak RSS is the whole child, data loading included');
      }
      if (ctx.keep) notes.push(`outputs kept in ${runDir}`);
      details.auc = aucs;
      return { stage: 'train', params, reference: rows[0].name, rows, checks, notes, details };
    } finally {
      if (!ctx.keep) await rm(runDir, { recursive: true, force: true });
    }
  },
};

/** The synthetic matrix, or our features over the prepared Handbook-size lake (generated and prepared when missing). */
async function matrixFor(ctx: BenchContext): Promise<MatrixFiles> {
  const o = ctx.options;
  if (o['synthetic-rows'] !== undefined) {
    return ensureSyntheticMatrix(ctx, positiveInt(o, 'synthetic-rows'), positiveInt(o, 'synthetic-cols'), Math.trunc(Number(o.seed)));
  }
  const testDays = positiveInt(o, 'test-days');
  const gapDays = nonNegativeInt(o, 'gap-days');
  const customers = positiveInt(o, 'customers');
  const terminals = positiveInt(o, 'terminals');
  const perDay = estimateRows({ days: 1, customers, terminals });
  const days = o.days !== undefined ? positiveInt(o, 'days') : historyDays() + Math.ceil(positiveInt(o, 'rows') / perDay) + gapDays + testDays;
  const p: GenerateParams = { days, customers, terminals, seed: Math.trunc(Number(o.seed)), noise: String(o.noise) };
  const data = await ensureGenerated(ctx, p, false);
  const lake = await ensurePreparedLake(ctx, data);
  return ensureFeatureMatrix(ctx, lake, datasetKey(p), { testDays, gapDays });
}

async function fitOurs(ctx: BenchContext, model: 'gbdt' | 'logreg', m: MatrixFiles, extra: string[]): Promise<{ measurement: Measurement; report: FitReport }> {
  flushDirtyPages();
  ctx.log(`  ours ${model}: fit on ${m.trainRows} rows × ${m.names.length}`);
  const script = join(ctx.root, 'bench', 'train', 'fitOurs.ts');
  const args = ['--import', 'tsx', script, '--model', model, '--train', m.train, '--test', m.test, '--repeat', String(ctx.repeat), ...extra];
  return runFitChild(ctx, process.execPath, args, process.env);
}

async function fitPeer(
  ctx: BenchContext,
  peers: TrainPeers,
  script: string,
  m: MatrixFiles,
  extra: string[],
  threads: number,
): Promise<{ measurement: Measurement; report: FitReport }> {
  flushDirtyPages();
  ctx.log(`  ${script}: fit on ${m.trainRows} rows × ${m.names.length}`);
  const args = [join(ctx.root, 'bench', 'peers', script), '--train', m.train, '--test', m.test, '--repeat', String(ctx.repeat), ...extra];
  // Pin the BLAS/OpenMP pools of the Python side to the same thread budget as ours.
  const n = String(threads);
  const env = { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
  return runFitChild(ctx, peers.python, args, env);
}

async function runFitChild(
  ctx: BenchContext,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ measurement: Measurement; report: FitReport }> {
  const measurement = await measureCommand(cmd, args, { cwd: ctx.root, env, signal: ctx.signal });
  if (measurement.exitCode !== 0) throw new Error(`${args[0]} exited with ${measurement.exitCode}:\n${measurement.stderrTail.slice(-4000)}`);
  const report = lastJsonLine(measurement.stdout) as FitReport | null;
  if (!report || typeof report.medianFitSeconds !== 'number' || typeof report.auc !== 'number') {
    throw new Error(`${args[0]} printed no fit report:\n${measurement.stdout.slice(-2000)}`);
  }
  return { measurement, report };
}

function fitRow(name: string, r: { measurement: Measurement; report: FitReport }, note: string): BenchRow {
  return { name, wallSeconds: r.report.medianFitSeconds, peakRssBytes: r.measurement.peakRssBytes, rows: r.report.trainRows, note };
}

/** buildFeatures over the whole ≥20M-row lake (ours, in a child), then optionally the PySpark window-function peer. */
async function measureFeatures(
  ctx: BenchContext,
  runDir: string,
  out: { rows: BenchRow[]; checks: BenchCheck[]; notes: string[]; details: Record<string, unknown>; params: Record<string, unknown> },
): Promise<void> {
  const o = ctx.options;
  const days = positiveInt(o, 'feature-days');
  const terminals = positiveInt(o, 'feature-terminals');
  const target = positiveInt(o, 'feature-rows');
  const customers = o['feature-customers'] !== undefined ? positiveInt(o, 'feature-customers') : customersForRows(target, days, terminals);
  const p: GenerateParams = { days, customers, terminals, seed: Math.trunc(Number(o.seed)), noise: String(o.noise) };
  const data = await ensureGenerated(ctx, p, false);
  const lake = await ensurePreparedLake(ctx, data);
  out.params.featureLake = datasetKey(p);
  out.params.featureLakeRows = lake.rows;
  if (lake.rows < target * 0.95) out.notes.push(`feature lake has ${lake.rows} rows, below the ${target} asked for: raise --feature-customers or --feature-days`);

  flushDirtyPages();
  const featuresOut = join(runDir, 'features-ours');
  const via = featuresVia(ctx);
  ctx.log(`  ours features (${via}): ${lake.firstDay}..${lake.lastDay} over ${lake.rows} rows`);
  const common = ['--lake', lake.dir, '--out', featuresOut, '--from', lake.firstDay, '--to', lake.lastDay,
    '--memory-limit', String(o['features-memory']), '--work-dir', runDir];
  const args = via === 'cli'
    ? [cliPath(ctx.root), 'features', ...common, '--json']
    : ['--import', 'tsx', join(ctx.root, 'bench', 'train', 'buildFeaturesOurs.ts'), ...common];
  const ours = await measureCommand(process.execPath, args, { cwd: ctx.root, signal: ctx.signal });
  if (ours.exitCode !== 0) throw new Error(`feature building (${via}) exited with ${ours.exitCode}:\n${ours.stderrTail.slice(-4000)}`);
  const report = featureReport(ours.stdout);
  if (!report) throw new Error(`feature building (${via}) printed no report:\n${ours.stdout.slice(-2000)}`);
  if (!ctx.keep) await rm(featuresOut, { recursive: true, force: true });
  out.rows.push({
    name: 'ours features',
    wallSeconds: ours.wallSeconds,
    peakRssBytes: ours.peakRssBytes,
    rows: report.rows,
    note: `${via === 'cli' ? 'fraudops features' : 'buildFeatures in a child'} ${lake.firstDay}..${lake.lastDay}, ${report.seconds.toFixed(2)} s of it in buildFeatures`,
  });
  out.checks.push(check('ours features rows/s (in buildFeatures)', report.rowsPerSecond, 'rows/s'));
  out.details.features = { via, lake: lake.dir, lakeRows: lake.rows, lakeReused: lake.reused, ours: report, rssSource: ours.rssSource };

  if (o['skip-spark'] === true) return;
  const spark = ensurePySpark(ctx.root, ctx.log);
  flushDirtyPages();
  const sparkOut = join(runDir, 'features-spark');
  ctx.log(`  pyspark features: ${String(o['spark-master'])} -> ${sparkOut}`);
  const peer = await measureCommand(
    spark.python,
    [join(ctx.root, 'bench', 'peers', 'train_pyspark_features.py'), '--out', sparkOut, '--master', String(o['spark-master']),
      '--driver-memory', String(o['spark-memory']), ...lake.paths],
    {
      cwd: ctx.root,
      rss: 'tree',
      env: { ...process.env, SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? '127.0.0.1', PYSPARK_PYTHON: spark.python },
      signal: ctx.signal,
    },
  );
  if (peer.exitCode !== 0) throw new Error(`pyspark feature peer exited with ${peer.exitCode}:\n${peer.stderrTail.slice(-4000)}`);
  if (!ctx.keep) await rm(sparkOut, { recursive: true, force: true });
  const phases = lastJsonLine(peer.stdout) as { session_start_s?: number; job_s?: number; rows?: number } | null;
  out.rows.push({
    name: 'pyspark features',
    wallSeconds: peer.wallSeconds,
    peakRssBytes: peer.peakRssBytes,
    rows: phases?.rows ?? report.rows,
    note: `window functions, ${String(o['spark-master'])}, Spark ${spark.version}${phases?.session_start_s !== undefined ? `, ${phases.session_start_s.toFixed(1)} s of it start-up` : ''}`,
  });
  out.checks.push(check('pyspark features ÷ ours features', peer.wallSeconds / ours.wallSeconds, '×'));
  if (phases?.job_s !== undefined) out.checks.push(check('pyspark job only ÷ ours in buildFeatures', phases.job_s / report.seconds, '×'));
  if (phases?.rows !== undefined && phases.rows !== report.rows) out.notes.push(`PySpark wrote ${phases.rows} feature rows, ours ${report.rows}`);
  out.details.featuresPyspark = { version: spark.version, phases, rssSource: peer.rssSource };
}

/**
 * `cli` runs `fraudops features --json` (the command under test, as the other stages do); `api` calls
 * buildFeatures from dist/ in a child, for builds without that command. `auto` asks the built CLI.
 */
function featuresVia(ctx: BenchContext): 'cli' | 'api' {
  const want = String(ctx.options['features-via']);
  if (want !== 'auto' && want !== 'cli' && want !== 'api') throw new BenchUsageError(`--features-via expects auto, cli or api, got ${want}`);
  if (want !== 'auto') return want;
  const probe = spawnSync(process.execPath, [cliPath(ctx.root), 'features', '--help'], { cwd: ctx.root, stdio: 'ignore' });
  return probe.status === 0 ? 'cli' : 'api';
}

/** Rows and seconds from either child: the CLI prints buildFeatures' result (durationMs), ours adds seconds. */
function featureReport(stdout: string): { rows: number; seconds: number; rowsPerSecond: number } | null {
  const text = stdout.trim();
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = lastJsonLine(text);
  }
  const r = doc as { rows?: unknown; seconds?: unknown; durationMs?: unknown } | null;
  if (!r || typeof r.rows !== 'number') return null;
  const seconds = typeof r.seconds === 'number' ? r.seconds : typeof r.durationMs === 'number' ? r.durationMs / 1000 : null;
  if (seconds === null) return null;
  return { rows: r.rows, seconds, rowsPerSecond: r.rows / Math.max(seconds, 1e-6) };
}

function compareAuc(name: string, ours: number, peer: number, target?: number): AucComparison {
  const difference = Math.abs(ours - peer);
  return target === undefined ? { name, ours, peer, difference } : { name, ours, peer, difference, target, met: difference <= target };
}

function formatAuc(a: AucComparison): string {
  const pair = a.name === 'gbdt' ? 'ours gbdt − lightgbm' : 'ours logreg − sklearn';
  const goal = a.target === undefined ? '' : `   goal ≤ ${a.target}   ${a.met ? 'MET' : 'MISSED'}`;
  return `|AUC ${pair}| = ${a.difference.toFixed(4)} (${a.ours.toFixed(4)} vs ${a.peer.toFixed(4)})${goal}`;
}

function nonNegativeInt(v: OptionValues, name: string): number {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n < 0) throw new BenchUsageError(`--${name} expects a whole number ≥ 0, got ${String(v[name])}`);
  return n;
}

/** The last line of stdout that parses as JSON (a child may print log lines before its one document). */
function lastJsonLine(stdout: string): unknown {
  for (const line of stdout.trim().split('\n').reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      /* keep looking */
    }
  }
  return null;
}
