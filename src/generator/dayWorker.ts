/**
 * Worker-thread entry: runs a DayEngine on the shared population and answers the main thread's requests one at
 * a time (simulate → prepare → write). Local outputs are written here directly; for object stores the
 * formatted chunks are transferred to the main thread, with at most a few in flight.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DayEngine } from './DayEngine.js';
import { type ChunkSink, openLocalFile } from './openOutput.js';
import type { ResolvedOptions } from './options.js';
import type { Population } from './population.js';
import type { ToWorker, FromWorker } from './workerProtocol.js';

const { options, population, localDir } = workerData as {
  options: ResolvedOptions;
  population: Population;
  localDir: string | undefined;
};
const port = parentPort!;
const engine = new DayEngine(population, options);
const MAX_CHUNKS_IN_FLIGHT = 3;

let credit = MAX_CHUNKS_IN_FLIGHT;
let onCredit: (() => void) | undefined;

const remoteSink: ChunkSink = {
  async write(chunk) {
    while (credit === 0) await new Promise<void>((resolve) => (onCredit = resolve));
    credit--;
    const copy = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice();
    send({ op: 'chunk', chunk: copy }, [copy.buffer as ArrayBuffer]);
  },
  close: async () => undefined,
  abort: async () => undefined,
};

function send(m: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(m, transfer);
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.op) {
    case 'ack':
      credit++;
      onCredit?.();
      onCredit = undefined;
      return;
    case 'simulate':
      send({ op: 'simulated', value: engine.simulate(m.day) });
      return;
    case 'prepare':
      send({ op: 'prepared', donors: engine.prepare(m.idOffset, m.acrossRows) });
      return;
    case 'write': {
      const sink = localDir === undefined ? remoteSink : await openLocalFile(localDir, m.name);
      try {
        const value = await engine.write(sink);
        await sink.close();
        send({ op: 'written', value });
      } catch (e) {
        await sink.abort();
        throw e;
      }
      return;
    }
  }
}

port.on('message', (m: ToWorker) => {
  handle(m).catch((e: unknown) => {
    const err = e as { name?: string; message?: string; stack?: string; code?: string };
    send({ op: 'error', error: { name: err.name ?? 'Error', message: err.message ?? String(e), stack: err.stack, code: err.code } });
  });
});
