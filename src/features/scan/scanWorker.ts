/**
 * Worker-thread entry of a `threadScanner`: one FeatureScan, started by the first message, takes the days the main
 * thread posts in order and answers each with its feature columns, moved back (never copied): in the arrays the
 * main thread moved here to be filled again when they are long enough, else in new ones.
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
    const chunk = { rowCount: m.rows, columns: m.columns };
    if (!m.features) {
      scan.day([chunk], false);
      port.postMessage({ op: 'day', columns: undefined } satisfies FromScanWorker);
      return;
    }
    const into = m.into !== undefined && m.into[0].length >= m.rows ? m.into : scan.names.map(() => new Float64Array(m.rows + (m.rows >> 3)));
    scan.day([chunk], true, into);
    const columns = into.map((c) => c.subarray(0, m.rows));
    port.postMessage({ op: 'day', columns } satisfies FromScanWorker, into.map((c) => c.buffer as ArrayBuffer));
  } catch (e) {
    // The scan's state is past repair after a failed day: the main thread fails this day and every later one.
    scan = undefined;
    const err = e as { name?: string; message?: string };
    port.postMessage({ op: 'error', error: { name: String(err.name ?? 'Error'), message: String(err.message ?? e) } } satisfies FromScanWorker);
  }
});
