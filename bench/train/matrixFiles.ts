/**
 * The one feature matrix both sides of the train bench read: `train.parquet` and `test.parquet`, one DOUBLE
 * column per feature and a 0/1 `label`, written once and cached under `<dataDir>/train/<key>/` with a stamp
 * `<key>.json` written last. Two sources: our feature SQL over a prepared lake (the Handbook-size default), split
 * in time with a gap of label-delay days between train and test as in the Handbook; or a seeded synthetic
 * problem (uniform features, nonlinear log-odds) for a pure training-speed comparison at any size.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDbEngine } from '../../src/engine/DuckDbEngine.js';
import { sqlString } from '../../src/engine/SqlEngine.js';
import { createFeatureTable } from '../../src/features/buildFeatures.js';
import { addDays } from '../../src/util/dates.js';
import { featureNames, historyDays } from '../../src/features/spec.js';
import { openStore } from '../../src/storage/openStore.js';
import type { BenchContext } from '../lib/stage.js';
import type { PreparedLake } from './preparedLake.js';

export interface MatrixFiles {
  train: string;
  test: string;
  trainRows: number;
  testRows: number;
  /** Fraud rows in each file: with few test positives an AUC difference is mostly noise. */
  trainPositives: number;
  testPositives: number;
  names: string[];
  /** Human summary of where the rows come from, for the report. */
  source: string;
  reused: boolean;
}

type MatrixStamp = Omit<MatrixFiles, 'reused'>;

export interface FeatureSplit {
  /** Days at the end of the feature range that form the test set. */
  testDays: number;
  /** Days between train and test left out (the label delay: train labels must be known when testing starts). */
  gapDays: number;
}

/** Feature rows from the first day with full window history to the lake's last day, split in time. */
export async function ensureFeatureMatrix(ctx: BenchContext, lake: PreparedLake, lakeKey: string, split: FeatureSplit): Promise<MatrixFiles> {
  const from = addDays(lake.firstDay, historyDays());
  const testFrom = addDays(lake.lastDay, 1 - split.testDays);
  const trainTo = addDays(testFrom, -1 - split.gapDays);
  if (trainTo < from) {
    throw new Error(
      `lake ${lake.firstDay}..${lake.lastDay} is too short: features start ${from} (after ${historyDays()} days of window history), ` +
        `and ${split.gapDays} gap + ${split.testDays} test days leave no training day; raise --rows or --days`,
    );
  }
  const key = `features-${lakeKey}-test${split.testDays}-gap${split.gapDays}`;
  const source = `our feature SQL over ${lakeKey}: train ${from}..${trainTo}, test ${testFrom}..${lake.lastDay}`;
  return cached(ctx, key, async (dir) => {
    const names = featureNames();
    const work = await mkdtemp(join(ctx.dataDir, '.matrix-'));
    const engine = await DuckDbEngine.create({ memoryLimit: '4GB', tempDir: join(work, 'spill') });
    const store = await openStore(lake.dir);
    try {
      await createFeatureTable(engine, { lake: store, from, to: lake.lastDay, signal: ctx.signal });
      const select = (a: string, b: string): string =>
        `SELECT ${names.join(', ')}, CAST(tx_fraud AS UTINYINT) AS label FROM features WHERE day BETWEEN ${sqlString(a)} AND ${sqlString(b)} ORDER BY tx_datetime, transaction_id`;
      const train = await copyTo(engine, select(from, trainTo), join(dir, 'train.parquet'));
      const test = await copyTo(engine, select(testFrom, lake.lastDay), join(dir, 'test.parquet'));
      return { train: train.path, test: test.path, trainRows: train.rows, testRows: test.rows, trainPositives: train.positives, testPositives: test.positives, names, source };
    } finally {
      await engine.close();
      await store.close();
      await rm(work, { recursive: true, force: true });
    }
  });
}

/**
 * `rows` × `cols` (cols ≥ 5) features uniform in [-1, 1] from a seeded hash (the same file whatever DuckDB's thread
 * count), labels Bernoulli of σ(3 sin 3x₀ + 4 x₁x₂ + 3·[x₃ > 0.3] − 4 x₄²); the first 80% of rows train, the rest test.
 */
export async function ensureSyntheticMatrix(ctx: BenchContext, rows: number, cols: number, seed: number): Promise<MatrixFiles> {
  if (cols < 5) throw new Error('--synthetic-cols must be at least 5 (the label uses the first five features)');
  const key = `synthetic-r${rows}-c${cols}-s${seed}`;
  const trainRows = Math.floor(rows * 0.8);
  const source = `synthetic ${rows} × ${cols}, seed ${seed}: first ${trainRows} rows train, the rest test`;
  return cached(ctx, key, async (dir) => {
    const names = Array.from({ length: cols }, (_, j) => `f${j}`);
    const uniform = (j: number): string => `((hash(i, ${j}, ${seed}) >> 11)::DOUBLE / 9007199254740992.0)`;
    const features = names.map((n, j) => `${uniform(j)} * 2 - 1 AS ${n}`).join(', ');
    const logit = '3 * sin(3 * f0) + 4 * f1 * f2 + 3 * CASE WHEN f3 > 0.3 THEN 1 ELSE 0 END - 4 * f4 * f4';
    // features in the inner SELECT, so the label's formula reads the very values written
    const flat = `SELECT i, ${names.join(', ')}, CAST(${uniform(-1)} < 1 / (1 + exp(-(${logit}))) AS UTINYINT) AS label FROM (SELECT i, ${features} FROM range(${rows}) t(i))`;
    const engine = await DuckDbEngine.create({ memoryLimit: '4GB' });
    try {
      const part = (where: string): string => `SELECT ${names.join(', ')}, label FROM (${flat}) WHERE ${where} ORDER BY i`;
      const train = await copyTo(engine, part(`i < ${trainRows}`), join(dir, 'train.parquet'));
      const test = await copyTo(engine, part(`i >= ${trainRows}`), join(dir, 'test.parquet'));
      return { train: train.path, test: test.path, trainRows: train.rows, testRows: test.rows, trainPositives: train.positives, testPositives: test.positives, names, source };
    } finally {
      await engine.close();
    }
  });
}

async function copyTo(engine: DuckDbEngine, select: string, path: string): Promise<{ path: string; rows: number; positives: number }> {
  await engine.run(`COPY (${select}) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`);
  const [c] = await engine.query<{ n: bigint; p: bigint | null }>(`SELECT count(*) AS n, sum(label) AS p FROM read_parquet(${sqlString(path)})`);
  return { path, rows: Number(c.n), positives: Number(c.p ?? 0n) };
}

/** Reuses `<dataDir>/train/<key>/` when its stamp is there; otherwise writes it with `write` and stamps it. */
async function cached(ctx: BenchContext, key: string, write: (dir: string) => Promise<MatrixStamp>): Promise<MatrixFiles> {
  const dir = join(ctx.dataDir, 'train', key);
  const stampPath = `${dir}.json`;
  try {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8')) as MatrixStamp;
    if (existsSync(stamp.train) && existsSync(stamp.test) && typeof stamp.testPositives === 'number') {
      ctx.log(`reusing matrix ${dir} (${stamp.trainRows} train, ${stamp.testRows} test rows)`);
      return { ...stamp, reused: true };
    }
  } catch {
    /* no stamp: write the matrix */
  }
  await rm(stampPath, { force: true });
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  ctx.log(`writing matrix ${dir}...`);
  const stamp = await write(dir);
  await writeFile(stampPath, JSON.stringify(stamp, null, 2) + '\n');
  return { ...stamp, reused: false };
}
