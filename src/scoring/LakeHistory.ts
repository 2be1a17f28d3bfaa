/**
 * What the scorer reads from the lake: terminal history (every transaction with its label, one day at a time,
 * for terminal windows that lag by the label delay) and customer history before the stream starts (to bootstrap
 * customer windows on first start). Reads committed parts only, through the lake's commit log.
 */
import { engineFactory } from '../engine/openEngine.js';
import type { SqlEngine } from '../engine/SqlEngine.js';
import type { StageContext } from '../stage/StageContext.js';
import { committedParts } from '../lake/readLake.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';

export interface HistoryRows {
  time: number[];
  customerId: number[];
  terminalId: number[];
  amount: number[];
  fraud: number[];
}

/** How long a shared read stays after its last use. */
const SHARED_KEEP_MS = 60_000;

export class LakeHistory {
  private constructor(
    private readonly store: ObjectStore,
    private readonly engine: SqlEngine,
    private readonly ownsStore: boolean,
  ) {}

  /**
   * `workDir` is the engine's scratch directory (its download cache of remote parts lives there). With a stage
   * context the lake store and the engine come from it (the context closes the store); without one they are opened here.
   */
  static async open(lake: string, workDir: string, ctx?: Pick<StageContext, 'store' | 'engines'>): Promise<LakeHistory> {
    const store = ctx ? await ctx.store(lake) : await openStore(lake);
    try {
      return new LakeHistory(store, await (ctx?.engines ?? engineFactory())({ workDir, threads: 1 }), !ctx);
    } catch (e) {
      if (!ctx) await store.close();
      throw e;
    }
  }

  get uri(): string {
    return this.store.uri;
  }

  /** Days (YYYY-MM-DD) committed to the lake. */
  async days(): Promise<Set<string>> {
    const { parts } = await committedParts(this.store);
    return new Set(parts.map((p) => p.day));
  }

  /**
   * Transactions with time in [fromTime, toTime), in (time, transaction_id) order. Calls run one at a time (the
   * scorer reads ahead in the background while a batch may read a partition's history): one engine connection
   * runs one query at a time.
   */
  rows(fromTime: number, toTime: number): Promise<HistoryRows> {
    const result = this.queue.then(() => this.readRows(fromTime, toTime));
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private queue: Promise<void> = Promise.resolve();
  private shared: { from: number; to: number; rows: Promise<HistoryRows>; timer?: NodeJS.Timeout } | undefined;

  /**
   * `rows(from, to)`, kept for a minute after its last use and handed to every caller asking for the same range
   * (partitions bootstrapping from the same days). A failed read is not kept.
   */
  rowsShared(fromTime: number, toTime: number): Promise<HistoryRows> {
    let s = this.shared;
    if (!s || s.from !== fromTime || s.to !== toTime) {
      if (s?.timer) clearTimeout(s.timer);
      const rows = this.rows(fromTime, toTime);
      s = this.shared = { from: fromTime, to: toTime, rows };
      rows.catch(() => {
        if (this.shared?.rows === rows) this.shared = undefined;
      });
    }
    if (s.timer) clearTimeout(s.timer);
    const kept = s;
    kept.timer = setTimeout(() => {
      if (this.shared === kept) this.shared = undefined;
    }, SHARED_KEEP_MS);
    kept.timer.unref();
    return kept.rows;
  }

  private async readRows(fromTime: number, toTime: number): Promise<HistoryRows> {
    const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
    const { parts } = await committedParts(this.store, { days: { from: day(fromTime), to: day(toTime - 1) } });
    if (parts.length === 0) return { time: [], customerId: [], terminalId: [], amount: [], fraud: [] };
    const lakeRows = await this.engine.readParquet(this.store, parts.map((p) => p.key));
    const t = this.engine.dialect.epochSeconds('tx_datetime');
    const cols = await this.engine.queryColumns(
      `SELECT ${t} AS t, customer_id, terminal_id, tx_amount, tx_fraud
       FROM ${lakeRows}
       WHERE ${t} >= ${fromTime} AND ${t} < ${toTime}
       ORDER BY tx_datetime, transaction_id`,
    );
    return {
      time: cols.t.map(Number),
      customerId: cols.customer_id.map(Number),
      terminalId: cols.terminal_id.map(Number),
      amount: cols.tx_amount as number[],
      fraud: cols.tx_fraud.map(Number),
    };
  }

  async close(): Promise<void> {
    // A read ahead may still be running on the engine.
    await this.queue;
    if (this.shared?.timer) clearTimeout(this.shared.timer);
    this.shared = undefined;
    await this.engine.close();
    if (this.ownsStore) await this.store.close();
  }
}
