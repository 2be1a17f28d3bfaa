/**
 * What the scorer reads from the lake: terminal history (every transaction with its label, one day at a time,
 * for terminal windows that lag by the label delay) and customer history before the stream starts (to bootstrap
 * customer windows on first start). Reads committed parts only, through the lake's commit log.
 */
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { sqlStringList } from '../engine/SqlEngine.js';
import { liveParts } from '../lake/readLake.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';

export interface HistoryRows {
  time: number[];
  customerId: number[];
  terminalId: number[];
  amount: number[];
  fraud: number[];
}

export class LakeHistory {
  private constructor(
    private readonly store: ObjectStore,
    private readonly engine: DuckDbEngine,
    private readonly cacheDir: string,
  ) {}

  static async open(lake: string, cacheDir: string): Promise<LakeHistory> {
    const store = await openStore(lake);
    try {
      return new LakeHistory(store, await DuckDbEngine.create({ threads: 1 }), cacheDir);
    } catch (e) {
      await store.close();
      throw e;
    }
  }

  get uri(): string {
    return this.store.uri;
  }

  /** Days (YYYY-MM-DD) committed to the lake. */
  async days(): Promise<Set<string>> {
    const { parts } = await liveParts(this.store, this.cacheDir, {});
    return new Set(parts.map((p) => p.day));
  }

  /** Transactions with time in [fromTime, toTime), in (time, transaction_id) order. */
  async rows(fromTime: number, toTime: number): Promise<HistoryRows> {
    const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
    const { paths } = await liveParts(this.store, this.cacheDir, { days: { from: day(fromTime), to: day(toTime - 1) } });
    if (paths.length === 0) return { time: [], customerId: [], terminalId: [], amount: [], fraud: [] };
    const cols = await this.engine.queryColumns(
      `SELECT CAST(epoch(tx_datetime) AS BIGINT) AS t, customer_id, terminal_id, tx_amount, tx_fraud
       FROM read_parquet(${sqlStringList(paths)})
       WHERE epoch(tx_datetime) >= ${fromTime} AND epoch(tx_datetime) < ${toTime}
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
    await this.engine.close();
    await this.store.close();
  }
}
