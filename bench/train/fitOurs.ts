/**
 * Child process of the train bench for our models: loads the matrix files with DuckDB, then times `fit` alone
 * (binning and standardization included, data loading not) and scores the test file. Runs the built code in
 * `dist/`, the code that ships; prints one JSON line on stdout.
 *
 *   node --import tsx bench/train/fitOurs.ts --model gbdt|logreg --train T.parquet --test S.parquet
 *        [--threads 2] [--n-estimators 200] [--num-leaves 31] [--learning-rate 0.1] [--repeat 1]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as EngineModule from '../../src/engine/DuckDbEngine.js';
import type * as SqlModule from '../../src/engine/SqlEngine.js';
import type * as MetricsModule from '../../src/metrics/index.js';
import type * as ModelsModule from '../../src/models/index.js';
import type { Matrix, Model } from '../../src/models/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function fromDist<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(join(ROOT, 'dist', path)).href)) as T;
}

const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    train: { type: 'string' },
    test: { type: 'string' },
    threads: { type: 'string', default: '2' },
    'n-estimators': { type: 'string', default: '200' },
    'num-leaves': { type: 'string', default: '31' },
    'learning-rate': { type: 'string', default: '0.1' },
    repeat: { type: 'string', default: '1' },
  },
});

async function readMatrix(path: string): Promise<{ X: Matrix; y: Uint8Array }> {
  const { DuckDbEngine } = await fromDist<typeof EngineModule>('engine/DuckDbEngine.js');
  const { sqlString } = await fromDist<typeof SqlModule>('engine/SqlEngine.js');
  const engine = await DuckDbEngine.create();
  try {
    const cols = await engine.queryColumns(`SELECT * FROM read_parquet(${sqlString(path)})`);
    const names = Object.keys(cols).filter((n) => n !== 'label');
    const labels = cols.label as number[];
    const rows = labels.length;
    const data = new Float64Array(rows * names.length);
    names.forEach((name, j) => {
      const col = cols[name] as number[];
      for (let i = 0; i < rows; i++) data[i * names.length + j] = col[i];
    });
    return { X: { rows, cols: names.length, data, names }, y: Uint8Array.from(labels) };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const models = await fromDist<typeof ModelsModule>('models/index.js');
  const { auc } = await fromDist<typeof MetricsModule>('metrics/index.js');
  if (!values.train || !values.test) throw new Error('--train and --test are required');
  const train = await readMatrix(values.train);
  const test = await readMatrix(values.test);
  const threads = Number(values.threads);
  const gbdtParams = {
    numLeaves: Number(values['num-leaves']),
    learningRate: Number(values['learning-rate']),
    nEstimators: Number(values['n-estimators']),
    minDataInLeaf: 20,
    minChildWeight: 1e-3,
    lambdaL2: 0,
    maxBins: 255,
    rowSubsample: 1,
    colSubsample: 1,
    threads,
  };
  const classifier =
    values.model === 'gbdt'
      ? new models.GbdtClassifier(gbdtParams)
      : values.model === 'logreg'
        ? new models.LogisticRegression({ C: 1 })
        : null;
  if (!classifier) throw new Error(`--model must be gbdt or logreg, got ${String(values.model)}`);

  const fitSeconds: number[] = [];
  // CPU time of the process, every thread: under other engineers' load a steadier comparison than wall time
  const cpuSeconds: number[] = [];
  let model: Model | undefined;
  for (let r = 0; r < Math.max(1, Number(values.repeat)); r++) {
    const started = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    model = await classifier.fit(train.X, train.y);
    fitSeconds.push(Number(process.hrtime.bigint() - started) / 1e9);
    const cpu = process.cpuUsage(cpu0);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
  }
  if (!model) throw new Error('no fit ran');
  const json = model.toJSON();
  process.stdout.write(
    JSON.stringify({
      model: values.model,
      trainRows: train.X.rows,
      testRows: test.X.rows,
      cols: train.X.cols,
      fitSeconds,
      medianFitSeconds: [...fitSeconds].sort((a, b) => a - b)[Math.floor((fitSeconds.length - 1) / 2)],
      cpuSeconds,
      medianCpuSeconds: [...cpuSeconds].sort((a, b) => a - b)[Math.floor((cpuSeconds.length - 1) / 2)],
      auc: auc(test.y, model.predictProba(test.X)),
      trees: Array.isArray(json.trees) ? json.trees.length : undefined,
      params: values.model === 'gbdt' ? gbdtParams : { C: 1 },
    }) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`fitOurs: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
