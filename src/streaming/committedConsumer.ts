/**
 * A Kafka consumer whose read_committed fetches drop aborted transactions the way the Kafka protocol defines it.
 *
 * `@platformatic/kafka` 1.x (the line that runs on Node 20) filters aborted records itself, and gets two shapes
 * wrong: a fetch that starts between an aborted transaction's records and its abort marker (the marker's producer
 * is then absent from `abortedTransactions`) throws a TypeError inside a socket callback, which kills the process;
 * and two aborted transactions of one producer in one fetch leave the second one's records in. A scorer resuming
 * after a kill -9 meets the first shape routinely (upstream issue platformatic/kafka#391, fixed only in 2.x, which
 * needs Node 22).
 *
 * So every fetch result is filtered here first, with the algorithm of the protocol's reference client: the
 * aborted transactions, in order of first offset, open a producer's range once a batch reaches that offset; a
 * transactional data batch of a producer with an open range is dropped; the producer's abort marker closes the
 * range. Control batches stay, because the message stream needs them to advance its offsets. The response's
 * `abortedTransactions` are then emptied, so the library's own filter has nothing left to do.
 */
import { Consumer, FetchIsolationLevels, kGetApi, type API, type Callback } from '@platformatic/kafka';

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
/** Control record key: int16 version, int16 type; type 0 is ABORT, 1 is COMMIT. */
const ABORT = 0;

export interface FetchedBatch {
  firstOffset: bigint;
  lastOffsetDelta: number;
  producerId: bigint;
  attributes: number;
  records: { key?: Buffer | null }[];
}

export interface FetchedPartition {
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[];
  records?: FetchedBatch[] | null;
}

function isAbortMarker(b: FetchedBatch): boolean {
  if (!(b.attributes & IS_CONTROL)) return false;
  const key = b.records[0]?.key;
  return !!key && key.length >= 4 && key.readInt16BE(2) === ABORT;
}

/** Drops the data batches of aborted transactions from one partition's fetched batches (in offset order). */
export function dropAbortedBatches(partition: FetchedPartition): void {
  const aborted = [...partition.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  partition.abortedTransactions = [];
  if (!partition.records || aborted.length === 0) return;
  const open = new Set<bigint>();
  let next = 0;
  partition.records = partition.records.filter((batch) => {
    if (!(batch.attributes & IS_TRANSACTIONAL)) return true;
    const lastOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    while (next < aborted.length && aborted[next]!.firstOffset <= lastOffset) open.add(aborted[next++]!.producerId);
    if (isAbortMarker(batch)) {
      open.delete(batch.producerId);
      return true;
    }
    if (batch.attributes & IS_CONTROL) return true;
    return !open.has(batch.producerId);
  });
}

type FetchResult = { responses: { partitions: FetchedPartition[] }[] };
type AnyApi = API<unknown[], unknown>;

/** `Consumer` with the read_committed filter above; a drop-in replacement everywhere the product consumes. */
export class CommittedReadConsumer<K = Buffer, V = Buffer, HK = Buffer, HV = Buffer> extends Consumer<K, V, HK, HV> {
  override [kGetApi]<A extends Array<unknown>, R>(name: string, callback: Callback<API<A, R>>): void {
    if (name !== 'Fetch') {
      super[kGetApi](name, callback);
      return;
    }
    super[kGetApi]<A, R>(name, (error, api) => {
      if (error || !api) {
        callback(error, api);
        return;
      }
      callback(null, committedFetch(api as unknown as AnyApi) as unknown as API<A, R>);
    });
  }
}

/** Fetch(connection, maxWaitTime, minBytes, maxBytes, isolationLevel, …, callback), its read_committed results filtered. */
function committedFetch(api: AnyApi): AnyApi {
  const call = (...args: unknown[]): void => {
    const isolationLevel = args[4];
    const done = args[args.length - 1] as Callback<FetchResult>;
    args[args.length - 1] = ((e: Error | null, result?: FetchResult) => {
      if (!e && result && isolationLevel === FetchIsolationLevels.READ_COMMITTED) {
        for (const topic of result.responses) for (const p of topic.partitions) dropAbortedBatches(p);
      }
      done(e, result);
    }) as Callback<FetchResult>;
    (api as unknown as (...a: unknown[]) => void)(...args);
  };
  const promised = (...args: unknown[]) => new Promise((resolve, reject) => call(...args, (e: Error | null, r?: unknown) => (e ? reject(e) : resolve(r))));
  return Object.assign(call, { async: promised, key: api.key, version: api.version }) as unknown as AnyApi;
}
