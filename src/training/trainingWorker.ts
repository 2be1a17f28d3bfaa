/**
 * A training worker thread (TrainingPool.ts): holds the training and validation sets, shared with the main thread
 * and the other workers without a copy, and per message scores a candidate on a fold, fits a candidate, or scores
 * a block of rows with a boosted-tree model. Each training set is binned once per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isFraudopsError } from '../errors.js';
import { GbdtModel } from '../models/gbdt/GbdtModel.js';
import { fitCandidate, type BinnedCache } from './fitCandidate.js';
import { scoreFold } from './scoreFold.js';
import type { FromTrainingWorker, ToTrainingWorker, TrainingWorkerData } from './TrainingPool.js';

const data = workerData as TrainingWorkerData;
const binned: BinnedCache[] = data.train.map(() => new Map());

async function run(m: ToTrainingWorker): Promise<FromTrainingWorker> {
  if (m.op === 'score') {
    const fold = { train: data.train[m.fold], validation: data.validation[m.fold] };
    return { id: m.id, score: await scoreFold(m.candidate, fold, m.seed, { earlyStoppingRounds: m.earlyStoppingRounds, binned: binned[m.fold], threads: data.threads }) };
  }
  if (m.op === 'fit') {
    const model = await fitCandidate(m.candidate, data.train[m.set], m.seed, { binned: binned[m.set], threads: data.threads, nEstimators: m.nEstimators });
    return { id: m.id, model: (model as GbdtModel).data };
  }
  const X = m.X;
  const block = { rows: m.end - m.start, cols: X.cols, names: X.names, data: X.data.subarray(m.start * X.cols, m.end * X.cols) };
  return { id: m.id, scores: new GbdtModel(m.model).predictProba(block) };
}

parentPort!.on('message', (m: ToTrainingWorker) => {
  run(m).then(
    (reply) => parentPort!.postMessage(reply, reply.scores === undefined ? [] : [reply.scores.buffer as ArrayBuffer]),
    (e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      const reply: FromTrainingWorker = { id: m.id, error: { message: error.message, stack: error.stack, ...(isFraudopsError(e) ? { code: e.code, context: e.context } : {}) } };
      parentPort!.postMessage(reply);
    },
  );
});
