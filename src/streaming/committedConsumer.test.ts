import { describe, expect, it } from 'vitest';
import { dropAbortedBatches, type FetchedBatch } from './committedConsumer.js';

const TXN = 1 << 4;
const CONTROL = 1 << 5;
const marker = (type: number) => {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(type, 2);
  return [{ key }];
};
const data = (offset: number, producer: number, count = 1): FetchedBatch => ({
  firstOffset: BigInt(offset),
  lastOffsetDelta: count - 1,
  producerId: BigInt(producer),
  attributes: TXN,
  records: [{ key: null }],
});
const abort = (offset: number, producer: number): FetchedBatch => ({ firstOffset: BigInt(offset), lastOffsetDelta: 0, producerId: BigInt(producer), attributes: TXN | CONTROL, records: marker(0) });
const commit = (offset: number, producer: number): FetchedBatch => ({ firstOffset: BigInt(offset), lastOffsetDelta: 0, producerId: BigInt(producer), attributes: TXN | CONTROL, records: marker(1) });
const offsets = (b: FetchedBatch[] | null | undefined) => (b ?? []).map((x) => Number(x.firstOffset));

describe('dropAbortedBatches', () => {
  it('keeps an abort marker whose transaction is not listed (it began before the fetch offset) and the records after it', () => {
    const p = { abortedTransactions: [], records: [abort(1, 7), data(2, 7, 2), commit(4, 7)] };
    dropAbortedBatches(p);
    expect(offsets(p.records)).toEqual([1, 2, 4]);
  });

  it('drops every aborted transaction of a producer, not only its last, and keeps the control batches', () => {
    const p = {
      abortedTransactions: [
        { producerId: 7n, firstOffset: 5n },
        { producerId: 7n, firstOffset: 0n },
      ],
      records: [data(0, 7, 2), abort(2, 7), data(3, 7), commit(4, 7), data(5, 7), abort(6, 7), data(7, 7)],
    };
    dropAbortedBatches(p);
    expect(offsets(p.records)).toEqual([2, 3, 4, 6, 7]);
    expect(p.abortedTransactions).toEqual([]);
  });

  it('drops only the aborting producer\'s records where transactions interleave, and never non-transactional ones', () => {
    const plain: FetchedBatch = { firstOffset: 2n, lastOffsetDelta: 0, producerId: -1n, attributes: 0, records: [{ key: null }] };
    const p = {
      abortedTransactions: [{ producerId: 8n, firstOffset: 1n }],
      records: [data(0, 7), data(1, 8), plain, data(3, 7), abort(4, 8), commit(5, 7)],
    };
    dropAbortedBatches(p);
    expect(offsets(p.records)).toEqual([0, 2, 3, 4, 5]);
  });

  it('leaves a partition without records or aborted transactions alone', () => {
    const empty = { abortedTransactions: [{ producerId: 1n, firstOffset: 0n }], records: null };
    dropAbortedBatches(empty);
    expect(empty.records).toBeNull();
    const clean = { abortedTransactions: [], records: [data(0, 1), commit(1, 1)] };
    dropAbortedBatches(clean);
    expect(offsets(clean.records)).toEqual([0, 1]);
  });
});
