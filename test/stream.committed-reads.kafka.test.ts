/**
 * read_committed consumption against the real broker, in the shapes a scorer meets after a kill: a fetch that
 * starts at an abort marker (its transaction's records lie before the fetch offset), and two aborted transactions
 * of one producer in one fetch. Only committed records may come out, and the consumer must not die.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { FetchIsolationLevels, Producer, ProduceAcks, type Message } from '@platformatic/kafka';
import { CommittedReadConsumer } from '../src/streaming/committedConsumer.js';
import { kafkaSettings } from '../src/streaming/kafkaConnection.js';
import { ensureTopics } from '../src/streaming/topics.js';
import { BROKERS, uniqueName } from './support/kafka.js';

const producers: Producer<Buffer, Buffer, Buffer, Buffer>[] = [];
afterAll(async () => {
  for (const p of producers) await p.close().catch(() => undefined);
});

/** Writes the given transactions, in order, through one transactional producer; returns the topic. */
async function writeTransactions(txns: { values: string[]; commit: boolean }[]): Promise<string> {
  const topic = uniqueName('committed-reads');
  await ensureTopics(kafkaSettings(BROKERS), [topic], 1);
  const producer = new Producer({
    clientId: 'test-txn-writer',
    bootstrapBrokers: [BROKERS],
    retryDelay: 100,
    idempotent: true,
    acks: ProduceAcks.ALL,
    transactionalId: uniqueName('txn'),
  } as never) as Producer<Buffer, Buffer, Buffer, Buffer>;
  producers.push(producer);
  for (const t of txns) {
    const txn = await producer.beginTransaction();
    await txn.send({ messages: t.values.map((v) => ({ topic, partition: 0, value: Buffer.from(v) })) } as never);
    if (t.commit) await txn.commit();
    else await txn.abort();
  }
  return topic;
}

/** Values read with read_committed from `offset` until `count` arrived (or nothing more came for 2 s). */
async function readFrom(topic: string, offset: bigint, count: number): Promise<string[]> {
  const consumer = new CommittedReadConsumer({ clientId: 'test-committed-reader', groupId: uniqueName('g'), bootstrapBrokers: [BROKERS], retryDelay: 100 } as never) as CommittedReadConsumer<Buffer, Buffer, Buffer, Buffer>;
  const values: string[] = [];
  const failures: unknown[] = [];
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'manual',
      offsets: [{ topic, partition: 0, offset }],
      autocommit: false,
      isolationLevel: FetchIsolationLevels.READ_COMMITTED,
      maxWaitTime: 100,
    } as never);
    stream.on('error', (e: unknown) => failures.push(e));
    await new Promise<void>((resolve) => {
      let last = Date.now();
      const timer = setInterval(() => {
        if ((values.length >= count && Date.now() - last > 500) || Date.now() - last > 2000) {
          clearInterval(timer);
          resolve();
        }
      }, 50);
      stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
        values.push(m.value.toString());
        last = Date.now();
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  expect(failures).toEqual([]);
  return values;
}

describe('stream > kafka > read_committed', () => {
  it('a fetch starting at an abort marker returns the next committed records', async () => {
    // offsets: 0 aborted record, 1 abort marker, 2-3 committed records, 4 commit marker
    const topic = await writeTransactions([
      { values: ['aborted-1'], commit: false },
      { values: ['kept-1', 'kept-2'], commit: true },
    ]);
    expect(await readFrom(topic, 1n, 2)).toEqual(['kept-1', 'kept-2']);
    expect(await readFrom(topic, 0n, 2)).toEqual(['kept-1', 'kept-2']);
  }, 60_000);

  it('two aborted transactions of one producer in one fetch are both dropped', async () => {
    const topic = await writeTransactions([
      { values: ['aborted-1', 'aborted-2'], commit: false },
      { values: ['kept-1'], commit: true },
      { values: ['aborted-3'], commit: false },
      { values: ['kept-2'], commit: true },
    ]);
    expect(await readFrom(topic, 0n, 2)).toEqual(['kept-1', 'kept-2']);
  }, 60_000);
});
