/**
 * A large backlog read in batches against the real broker, with work (an await) between batches, as the scorer
 * reads it: every record must come out, in offset order per partition. The client's message stream used to stop
 * for good in this shape (the scorer's 1M-transaction stall): a read made while nothing listened to the stream
 * started no fetch and left the stream marked as reading. And the partitions must advance side by side, not one
 * after the other (see streaming/consumeOptions.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Producer, ProduceAcks, type MessagesStream } from '@platformatic/kafka';
import { BatchReader } from '../src/streaming/BatchReader.js';
import { CommittedReadConsumer } from '../src/streaming/committedConsumer.js';
import { scorerConsumeOptions } from '../src/streaming/consumeOptions.js';
import { kafkaSettings } from '../src/streaming/kafkaConnection.js';
import { ensureTopics } from '../src/streaming/topics.js';
import { BROKERS, uniqueName } from './support/kafka.js';

const RECORDS = 150_000;
const PARTITIONS = 6;
const PER_PARTITION = RECORDS / PARTITIONS;
/** A stalled stream stays stalled: this long without a record while records remain is a stall, however busy the machine. */
const STALLED_MS = 60_000;

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers) await c().catch(() => undefined);
});

async function writeBacklog(): Promise<string> {
  const topic = uniqueName('backlog');
  await ensureTopics(kafkaSettings(BROKERS), [topic], PARTITIONS);
  const producer = new Producer({ clientId: 'test-backlog-writer', bootstrapBrokers: [BROKERS], idempotent: true, acks: ProduceAcks.ALL } as never) as Producer<
    Buffer,
    Buffer,
    Buffer,
    Buffer
  >;
  try {
    const line = Buffer.from('2019-08-01 00:00:31,0,596,3156,57.16,31,0,0'.padEnd(120, ' '));
    for (let i = 0; i < RECORDS; i += 5000) {
      const messages = Array.from({ length: Math.min(5000, RECORDS - i) }, (_, j) => ({ topic, value: line, partition: (i + j) % PARTITIONS }));
      await producer.send({ messages } as never);
    }
  } finally {
    await producer.close();
  }
  return topic;
}

describe('stream > backlog', () => {
  it('reads a backlog to its end in batches with work between them, in offset order per partition, partitions side by side', async () => {
    const topic = await writeBacklog();
    const consumer = new CommittedReadConsumer({
      clientId: 'test-backlog-reader',
      bootstrapBrokers: [BROKERS],
      groupId: uniqueName('g'),
      autocommit: false,
      maxWaitTime: 100,
    } as never) as CommittedReadConsumer<Buffer, Buffer, Buffer, Buffer>;
    closers.push(async () => consumer.close(true));
    const stream = (await consumer.consume(scorerConsumeOptions(topic) as never)) as MessagesStream<Buffer, Buffer, Buffer, Buffer>;
    closers.unshift(() => stream.close());
    const reader = new BatchReader(stream);
    const next = new Map<number, bigint>();
    let read = 0;
    let lastRecordAt = Date.now();
    let stalled = false;
    let spreadAtFirstDone: number[] | undefined;
    while (read < RECORDS) {
      const batch = await reader.next(5000, 100);
      if (batch === undefined) break;
      if (batch.length === 0) {
        if (Date.now() - lastRecordAt > STALLED_MS) {
          stalled = true;
          break;
        }
        continue;
      }
      lastRecordAt = Date.now();
      for (const m of batch) {
        expect(m.offset).toBe(next.get(m.partition) ?? 0n);
        next.set(m.partition, m.offset + 1n);
      }
      read += batch.length;
      // When the first partition is read to its end, how far the others got.
      if (spreadAtFirstDone === undefined && [...next.values()].some((n) => n >= PER_PARTITION)) {
        spreadAtFirstDone = Array.from({ length: PARTITIONS }, (_, p) => Number(next.get(p) ?? 0n));
      }
      // The scorer scores and commits here: the stream sees no listener-driven reads for a while.
      await new Promise((r) => setTimeout(r, 20));
    }
    reader.close();
    expect({ read, stalled }).toEqual({ read: RECORDS, stalled: false });
    expect([...next.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(RECORDS));
    // Partitions advance side by side: when one is done, none is still in its first half. With the client's
    // default per-partition limit (the whole response) the first partitions were read to their end while the
    // last had not started.
    expect(Math.min(...spreadAtFirstDone!)).toBeGreaterThanOrEqual(PER_PARTITION / 2);
  }, 300_000);
});
