import { describe, expect, it } from 'vitest';
import { isFraudopsError } from '../errors.js';
import { chunkForBroker, recordBytes, type OutgoingMessage } from './sendChunks.js';

const prediction = (i: number, bytes = 300): OutgoingMessage => ({ topic: 'out', key: Buffer.from(String(i)), value: Buffer.alloc(bytes, 120) });
const partitions = new Map([['out', 6], ['dlq', 6]]);

/** Bytes per (topic, partition) of each chunk. */
function perPartition(chunks: OutgoingMessage[][]): number[] {
  return chunks.flatMap((c) => {
    const used = new Map<string, number>();
    for (const m of c) used.set(`${m.topic}:${m.partition}`, (used.get(`${m.topic}:${m.partition}`) ?? 0) + recordBytes(m));
    return [...used.values()];
  });
}

describe('streaming > sendChunks > chunkForBroker', () => {
  it('keeps a batch that fits in one send', () => {
    const chunks = chunkForBroker(Array.from({ length: 1000 }, (_, i) => prediction(i)), partitions, new Map([['out', 1_048_588]]));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toHaveLength(1000);
  });

  it('cuts a large batch so every partition of every send stays under the topic limit, keeping all records in order', () => {
    const messages = Array.from({ length: 20_000 }, (_, i) => prediction(i));
    const limit = 100_000;
    const chunks = chunkForBroker(messages, partitions, new Map([['out', limit]]));
    expect(chunks.length).toBeGreaterThan(1);
    expect(Math.max(...perPartition(chunks))).toBeLessThanOrEqual(limit - 128);
    expect(chunks.flat().map((m) => m.key!.toString())).toEqual(messages.map((m) => m.key!.toString()));
    for (const m of chunks.flat()) expect(m.partition).toBeGreaterThanOrEqual(0);
    for (const m of chunks.flat()) expect(m.partition).toBeLessThan(6);
  });

  it('counts headers and caps the records of one send', () => {
    const dead = (i: number): OutgoingMessage => ({ topic: 'dlq', value: Buffer.alloc(50), headers: new Map([[Buffer.from('reason'), Buffer.alloc(500)]]), partition: i % 6 });
    const chunks = chunkForBroker(Array.from({ length: 100 }, (_, i) => dead(i)), partitions, new Map([['dlq', 2000]]), 1000);
    expect(Math.max(...perPartition(chunks))).toBeLessThanOrEqual(2000 - 128);
    const capped = chunkForBroker(Array.from({ length: 250 }, (_, i) => prediction(i, 10)), partitions, new Map(), 100);
    expect(capped.map((c) => c.length)).toEqual([100, 100, 50]);
  });

  it('refuses a record that can never fit with KAFKA_RECORD_TOO_LARGE naming its source', () => {
    const big: OutgoingMessage = { topic: 'dlq', value: Buffer.alloc(5000), partition: 1, source: { topic: 'in', partition: 3, offset: 42n } };
    let error: unknown;
    try {
      chunkForBroker([prediction(1), big], partitions, new Map([['dlq', 4096]]));
    } catch (e) {
      error = e;
    }
    expect(isFraudopsError(error) && error.code).toBe('KAFKA_RECORD_TOO_LARGE');
    expect(isFraudopsError(error) && error.context).toMatchObject({ topic: 'dlq', limit: 4096, sourcePartition: 3, sourceOffset: '42' });
    expect(isFraudopsError(error) && error.retriable).toBe(false);
  });
});
