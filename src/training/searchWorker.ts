/**
 * A search worker thread (SearchPool.ts): holds the folds' sets, shared with the main thread and the other
 * workers without a copy, and scores one candidate on one fold per message. Each fold is binned once per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isFraudopsError } from '../errors.js';
import type { BinnedCache } from './fitCandidate.js';
import { scoreFold, type FoldSets } from './scoreFold.js';
import type { FromSearchWorker, SearchWorkerData, ToSearchWorker } from './SearchPool.js';

const data = workerData as SearchWorkerData;
const folds: FoldSets[] = data.folds;
const binned: BinnedCache[] = folds.map(() => new Map());

parentPort!.on('message', (m: ToSearchWorker) => {
  void (async (): Promise<FromSearchWorker> => {
    try {
      const score = await scoreFold(m.candidate, folds[m.fold], m.seed, { earlyStoppingRounds: m.earlyStoppingRounds, binned: binned[m.fold], threads: data.threads });
      return { id: m.id, score };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      return { id: m.id, error: { message: error.message, stack: error.stack, ...(isFraudopsError(e) ? { code: e.code, context: e.context } : {}) } };
    }
  })().then((reply) => parentPort!.postMessage(reply));
});
