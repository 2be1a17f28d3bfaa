/**
 * The generate stage: simulates the Handbook's card-transaction dataset into one course-format file per day
 * plus a `_manifest.json` ground truth. Days are simulated in parallel (one per runner), but a day's ids and
 * cross-file duplicates depend on the days before it, so each day waits, between simulating and writing, for
 * its predecessor to publish its row count and donor rows. At most one day per runner is held in memory.
 */
import { TMP_PREFIX } from '../storage/atomicFile.js';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { NoiseDefect } from '../quality.js';
import { type DayRunner, InProcessDayRunner, WorkerDayRunner } from './dayRunners.js';
import {
  buildManifest,
  expectedAccounting,
  type FraudCounts,
  type ManifestFile,
  type ManifestTotals,
  MANIFEST_NAME,
} from './manifest.js';
import { pickAcrossDuplicates } from './noisePlan.js';
import { openOutput } from './openOutput.js';
import { dayDate, dayFileName, type GenerateOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { buildPopulation } from './population.js';

export interface GenerateProgress {
  day: number;
  date: string;
  file: string;
  /** Data lines of this file. */
  rows: number;
  daysDone: number;
  daysTotal: number;
  /** Data lines written so far, all files. */
  rowsWritten: number;
  elapsedMs: number;
}

export interface GenerateHooks {
  signal?: AbortSignal;
  /** Called once per finished day file (in completion order, which may differ from day order). */
  onProgress?: (p: GenerateProgress) => void;
}

export interface GenerateResult {
  /** Output root as opened (absolute directory or store URI). */
  uri: string;
  manifest: string;
  options: ResolvedOptions;
  population: { customers: number; terminals: number; activeCustomers: number };
  files: ManifestFile[];
  totals: ManifestTotals;
  fraud: FraudCounts;
  defects: Record<NoiseDefect, number>;
  elapsedMs: number;
  rowsPerSecond: number;
}

class Gate {
  readonly promise: Promise<void>;
  open!: () => void;
  fail!: (e: unknown) => void;
  constructor() {
    this.promise = new Promise<void>((resolve, reject) => {
      this.open = resolve;
      this.fail = reject;
    });
    this.promise.catch(() => undefined);
  }
}

/**
 * Generates the dataset described by `options`.
 * @example
 * const r = await generate({ out: '/data/raw', days: 30, seed: 7, noise: 'course', workers: 2 });
 * console.log(r.totals.rows, r.fraud.total);
 */
export async function generate(options: GenerateOptions, hooks: GenerateHooks = {}): Promise<GenerateResult> {
  const { signal, onProgress } = hooks;
  const o = resolveOptions(options);
  signal?.throwIfAborted();
  const started = performance.now();
  const pop = buildPopulation(o);
  const population = { customers: pop.customers, terminals: pop.terminals, activeCustomers: pop.activeCustomers };
  const output = await openOutput(o.out);
  const runnerCount = Math.min(o.workers, o.days);
  const runners: DayRunner[] = [];
  const gates = Array.from({ length: o.days + 1 }, () => new Gate());
  gates[0].open();
  const idOffset: number[] = [0];
  const pools: string[][] = [];
  const files: ManifestFile[] = new Array(o.days);
  let nextDay = 0;
  let daysDone = 0;
  let rowsWritten = 0;
  let failure: unknown;

  const stopAll = (e: unknown): void => {
    failure ??= e;
    for (const g of gates) g.fail(e);
    for (const r of runners) void r.close();
  };
  const onAbort = (): void => stopAll(signal!.reason);
  signal?.addEventListener('abort', onAbort, { once: true });

  const runDays = async (runner: DayRunner): Promise<void> => {
    for (;;) {
      if (failure !== undefined) throw failure;
      const day = nextDay++;
      if (day >= o.days) return;
      const sim = await runner.simulate(day);
      await gates[day].promise;
      const across = pickAcrossDuplicates(o, day, sim.rows, pools.slice(0, day));
      pools[day] = await runner.prepare(idOffset[day], across);
      idOffset[day + 1] = idOffset[day] + sim.rows;
      gates[day + 1].open();
      const file = dayFileName(o.startDate, day);
      const written = await runner.write(file, signal);
      const [, s1, s2, s3] = sim.fraudByScenario;
      files[day] = {
        file,
        day,
        date: dayDate(o.startDate, day),
        rows: written.rows,
        transactions: sim.rows,
        firstTransactionId: idOffset[day],
        bytes: written.bytes,
        fraud: { total: s1 + s2 + s3, scenario1: s1, scenario2: s2, scenario3: s3 },
        defects: written.defects,
        expected: expectedAccounting(written.rows, written.defects),
      };
      daysDone++;
      rowsWritten += written.rows;
      onProgress?.({
        day,
        date: files[day].date,
        file,
        rows: written.rows,
        daysDone,
        daysTotal: o.days,
        rowsWritten,
        elapsedMs: performance.now() - started,
      });
    }
  };

  try {
    if (runnerCount <= 1) runners.push(new InProcessDayRunner(pop, o, output));
    else for (let i = 0; i < runnerCount; i++) runners.push(new WorkerDayRunner(pop, o, output));
    await Promise.all(
      runners.map((r) =>
        runDays(r).catch((e: unknown) => {
          stopAll(e);
          throw e;
        }),
      ),
    );
    if (failure !== undefined) throw failure;
    const manifest = buildManifest(o, population, files);
    await output.writeText(MANIFEST_NAME, `${JSON.stringify(manifest, null, 2)}\n`);
    const elapsedMs = performance.now() - started;
    return {
      uri: output.uri,
      manifest: MANIFEST_NAME,
      options: o,
      population,
      files,
      totals: manifest.totals,
      fraud: manifest.totals.fraud,
      defects: manifest.totals.defects,
      elapsedMs,
      rowsPerSecond: manifest.totals.rows / (elapsedMs / 1000),
    };
  } catch (e) {
    // Workers must be gone before their partial files are removed, or one could still be creating one.
    await Promise.all(runners.map((r) => r.close()));
    if (output.localDir !== undefined) await removeTempFiles(output.localDir);
    throw signal?.aborted ? signal.reason : failure ?? e;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(runners.map((r) => r.close()));
    await output.close();
  }
}

/** Partial day files left by this process's workers stopped mid-write (storage/atomicFile.ts temporary names). */
async function removeTempFiles(dir: string): Promise<void> {
  const mine = `${TMP_PREFIX}${process.pid}-`;
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(mine)).map((n) => rm(path.join(dir, n), { force: true })));
}
