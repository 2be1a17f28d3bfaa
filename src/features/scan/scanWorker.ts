/**
 * Worker-thread entry of a `threadScanner`: one FeatureScan, started by the first message, takes the days the main
 * thread posts in order and answers each with its rows and its feature columns, in the arrays the main thread moved
 * here with the day, moved back (never copied).
 */
import { parentPort } from 'node:worker_threads';
import { FeatureScan } from './FeatureScan.js';
import type { FromScanWorker, ToScanWorker } from './dayScanner.js';

const port = parentPort!;
let scan: FeatureScan | undefined;

port.on('message', (m: ToScanWorker) => {
  try {
    if (m.op === 'start') {
      scan = new FeatureScan(m.spec, m.origin);
      return;
    }
    if (scan === undefined) throw new Error('a day came before the scan started');
    scan.day([{ rowCount: m.rows, columns: m.columns }], m.into);
    const transfer = [...m.columns, ...(m.into ?? [])].map((c) => c.buffer as ArrayBuffer);
    port.postMessage({ op: 'day', rows: m.rows, columns: m.columns, features: m.into } satisfies FromScanWorker, transfer);
  } catch (e) {
    // The scan's state is past repair after a failed day: the main thread fails this day and every later one.
    scan = undefined;
    const err = e as { name?: string; message?: string };
    port.postMessage({ op: 'error', error: { name: String(err.name ?? 'Error'), message: String(err.message ?? e) } } satisfies FromScanWorker);
  }
});
