/**
 * Worker-thread entry of a `threadScanner`: one FeatureScan of one part (customer or terminal), started by the first
 * message, takes the days the main thread posts in order, writes its part's feature columns into the shared arrays
 * sent with each day, and answers when it is done with the day.
 */
import { parentPort } from 'node:worker_threads';
import { FeatureScan } from './FeatureScan.js';
import type { FromScanWorker, ToScanWorker } from './dayScanner.js';

const port = parentPort!;
let scan: FeatureScan | undefined;

port.on('message', (m: ToScanWorker) => {
  try {
    if (m.op === 'start') {
      scan = new FeatureScan(m.spec, m.origin, m.part);
      return;
    }
    if (scan === undefined) throw new Error('a day came before the scan started');
    scan.day([{ rowCount: m.rows, columns: m.columns }], m.into);
    port.postMessage({ op: 'day' } satisfies FromScanWorker);
  } catch (e) {
    // The scan's state is past repair after a failed day: the main thread fails this day and every later one.
    scan = undefined;
    const err = e as { name?: string; message?: string };
    port.postMessage({ op: 'error', error: { name: String(err.name ?? 'Error'), message: String(err.message ?? e) } } satisfies FromScanWorker);
  }
});
