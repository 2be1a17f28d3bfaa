import { describe, expect, it } from 'vitest';
import { InProcessDayRunner, type DayRunner, WorkerDayRunner } from './dayRunners.js';
import type { ChunkSink, Output } from './openOutput.js';
import { resolveOptions } from './options.js';
import { buildPopulation } from './population.js';

/** An object-store-like output (no local directory): bytes arrive through ChunkSink only. */
function memoryOutput(files: Map<string, Buffer>): Output {
  return {
    uri: 'memory://test',
    async openFile(name): Promise<ChunkSink> {
      const parts: Buffer[] = [];
      return {
        write: async (chunk) => void parts.push(Buffer.from(chunk)),
        close: async () => void files.set(name, Buffer.concat(parts)),
        abort: async () => undefined,
      };
    },
    writeText: async (name, text) => void files.set(name, Buffer.from(text)),
    close: async () => undefined,
  };
}

async function runTwoDays(runner: DayRunner): Promise<void> {
  try {
    let offset = 0;
    for (let day = 0; day < 2; day++) {
      const sim = await runner.simulate(day);
      await runner.prepare(offset, []);
      await runner.write(`day${day}.txt`);
      offset += sim.rows;
    }
  } finally {
    await runner.close();
  }
}

describe('generator > runners', () => {
  it('a worker streaming chunks to a store output writes the same bytes as the calling thread', async () => {
    // Large enough for several 4 MiB chunks per day, so the credit/ack flow control is exercised.
    const o = resolveOptions({ out: 'memory://test', customers: 160000, terminals: 2000, seed: 8 });
    const pop = buildPopulation(o);
    const inProcess = new Map<string, Buffer>();
    const viaWorker = new Map<string, Buffer>();
    await runTwoDays(new InProcessDayRunner(pop, o, memoryOutput(inProcess)));
    await runTwoDays(new WorkerDayRunner(pop, o, memoryOutput(viaWorker)));
    expect([...viaWorker.keys()]).toEqual(['day0.txt', 'day1.txt']);
    for (const [name, bytes] of inProcess) {
      expect(bytes.length).toBeGreaterThan(16 << 20);
      expect(viaWorker.get(name)!.equals(bytes), name).toBe(true);
    }
  }, 60_000);
});
