/**
 * Two ways to run a DayEngine behind one interface: in the calling thread (workers = 1) or on a worker thread
 * (workers > 1, one runner per thread). The orchestrator in generate.ts cannot tell them apart, which is what
 * keeps the bytes identical whatever the number of workers.
 */
import type { Worker } from 'node:worker_threads';
import { moduleWorker } from '../util/moduleWorker.js';
import { FraudopsError } from '../errors.js';
import { DayEngine, type DayWritten } from './DayEngine.js';
import type { DaySimulation } from './DaySimulator.js';
import type { ChunkSink, Output } from './openOutput.js';
import type { ResolvedOptions } from './options.js';
import type { Population } from './population.js';
import type { FromWorker, ToWorker, WorkerErrorInfo } from './workerProtocol.js';

export interface DayRunner {
  simulate(day: number): Promise<DaySimulation>;
  /** Returns the donor rows of the simulated day. */
  prepare(idOffset: number, acrossRows: string[]): Promise<string[]>;
  write(name: string, signal?: AbortSignal): Promise<DayWritten>;
  /** Stops at once (pending calls reject); safe to call more than once. */
  close(): Promise<void>;
}

export class InProcessDayRunner implements DayRunner {
  private readonly engine: DayEngine;

  constructor(
    pop: Population,
    o: ResolvedOptions,
    private readonly output: Output,
  ) {
    this.engine = new DayEngine(pop, o);
  }

  async simulate(day: number): Promise<DaySimulation> {
    return this.engine.simulate(day);
  }

  async prepare(idOffset: number, acrossRows: string[]): Promise<string[]> {
    return this.engine.prepare(idOffset, acrossRows);
  }

  async write(name: string, signal?: AbortSignal): Promise<DayWritten> {
    const sink = await this.output.openFile(name);
    try {
      const written = await this.engine.write(sink, signal);
      await sink.close();
      return written;
    } catch (e) {
      await sink.abort();
      throw e;
    }
  }

  async close(): Promise<void> {}
}

function rebuildError(info: WorkerErrorInfo): Error {
  const e = info.code
    ? new FraudopsError(info.code, info.message, { context: { thread: 'generator-worker' } })
    : new Error(info.message);
  if (info.stack) e.stack = info.stack;
  return e;
}

type Pending = { expect: FromWorker['op']; resolve(m: FromWorker): void; reject(e: unknown): void };

export class WorkerDayRunner implements DayRunner {
  private readonly worker: Worker;
  private pending: Pending | undefined;
  private sink: ChunkSink | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    pop: Population,
    o: ResolvedOptions,
    private readonly output: Output,
  ) {
    this.worker = moduleWorker(import.meta.url, 'dayWorker', { workerData: { options: o, population: pop, localDir: output.localDir } });
    this.worker.on('message', (m: FromWorker) => this.onMessage(m));
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`generator worker exited (code ${code})`)));
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private onMessage(m: FromWorker): void {
    if (m.op === 'chunk') {
      const sink = this.sink;
      const chunk = Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
      this.chain = this.chain
        .then(() => sink!.write(chunk))
        .then(() => this.worker.postMessage({ op: 'ack' } satisfies ToWorker));
      this.chain.catch((e: unknown) => this.fail(e));
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    if (!p) return;
    if (m.op === 'error') p.reject(rebuildError(m.error));
    else if (m.op !== p.expect) p.reject(new Error(`generator worker answered ${m.op}, expected ${p.expect}`));
    else p.resolve(m);
  }

  private request<K extends FromWorker['op']>(m: ToWorker, expect: K): Promise<Extract<FromWorker, { op: K }>> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { expect, resolve: resolve as (m: FromWorker) => void, reject };
      this.worker.postMessage(m);
    });
  }

  async simulate(day: number): Promise<DaySimulation> {
    return (await this.request({ op: 'simulate', day }, 'simulated')).value;
  }

  async prepare(idOffset: number, acrossRows: string[]): Promise<string[]> {
    return (await this.request({ op: 'prepare', idOffset, acrossRows }, 'prepared')).donors;
  }

  async write(name: string): Promise<DayWritten> {
    if (this.output.localDir !== undefined) return (await this.request({ op: 'write', name }, 'written')).value;
    const sink = await this.output.openFile(name);
    this.sink = sink;
    this.chain = Promise.resolve();
    try {
      const written = (await this.request({ op: 'write', name }, 'written')).value;
      await this.chain;
      await sink.close();
      return written;
    } catch (e) {
      await sink.abort();
      throw e;
    } finally {
      this.sink = undefined;
    }
  }

  async close(): Promise<void> {
    this.fail(new FraudopsError('GENERATOR_STOPPED', 'generator worker stopped'));
    await this.worker.terminate();
  }
}
