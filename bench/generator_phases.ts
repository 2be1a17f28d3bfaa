/**
 * Where the generator's CPU goes, one thread, by phase: population building, then per day simulate (pass 1
 * counts and times, pass 2 details and scatter), prepare (noise plan) and write (formatting into chunks handed to
 * a sink that drops them, or to a real file with `--out`). Prints CPU milliseconds per phase and ns per row, plus
 * a SHA-256 of all the bytes formatted (identical hashes = identical files), so a change can be checked for both
 * speed and output in one run. Not a test; compare its numbers run against run on the same machine.
 *
 *   npx tsx bench/generator_phases.ts [--customers 258000] [--terminals 500000] [--days 6] [--repeat 3] [--out dir]
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DayEngine } from '../src/generator/DayEngine.js';
import { openOutput, type ChunkSink } from '../src/generator/openOutput.js';
import { dayFileName, resolveOptions } from '../src/generator/options.js';
import { buildPopulation } from '../src/generator/population.js';
import { pickAcrossDuplicates } from '../src/generator/noisePlan.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '258000' },
    terminals: { type: 'string', default: '500000' },
    days: { type: 'string', default: '6' },
    repeat: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
  },
});

const cpuMs = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
};

function hashingSink(hash: ReturnType<typeof createHash>): ChunkSink {
  return { releasesChunks: true, write: async (c) => void hash.update(c), close: async () => undefined, abort: async () => undefined };
}

async function main(): Promise<void> {
  const o = resolveOptions({
    out: values.out ?? '/dev/null',
    days: Number(values.days),
    customers: Number(values.customers),
    terminals: Number(values.terminals),
    seed: Number(values.seed),
    noise: 'course',
  });
  const output = values.out === undefined ? undefined : await openOutput(values.out);
  for (let rep = 0; rep < Number(values.repeat); rep++) {
    let t = process.cpuUsage();
    const pop = buildPopulation(o);
    const population = cpuMs(t);
    const engine = new DayEngine(pop, o);
    const hash = createHash('sha256');
    const sink = hashingSink(hash);
    let simulate = 0;
    let prepare = 0;
    let write = 0;
    let rows = 0;
    let idOffset = 0;
    const pools: string[][] = [];
    for (let day = 0; day < o.days; day++) {
      t = process.cpuUsage();
      const sim = engine.simulate(day);
      simulate += cpuMs(t);
      t = process.cpuUsage();
      pools.push(engine.prepare(idOffset, pickAcrossDuplicates(o, day, sim.rows, pools)));
      idOffset += sim.rows;
      prepare += cpuMs(t);
      t = process.cpuUsage();
      const daySink = output ? await output.openFile(dayFileName(o.startDate, day)) : sink;
      rows += (await engine.write(daySink)).rows;
      await daySink.close();
      write += cpuMs(t);
    }
    const ns = (ms: number): string => ((ms * 1e6) / rows).toFixed(0).padStart(5);
    console.log(
      `rows ${rows}  population ${population.toFixed(0)} ms  simulate ${simulate.toFixed(0)} ms (${ns(simulate)} ns/row)  ` +
        `prepare ${prepare.toFixed(0)} ms  write ${write.toFixed(0)} ms (${ns(write)} ns/row)  ` +
        `total ${((rows / (population + simulate + prepare + write)) * 1e3 / 1e6).toFixed(2)}M rows per CPU-s` +
        (output ? '' : `  sha256 ${hash.digest('hex').slice(0, 16)}`),
    );
  }
}

await main();
