/**
 * Writes one scored batch to Kafka: its predictions and dead letters, and the group's input offsets after it.
 *
 * Exactly-once: one Kafka transaction per batch, with as few round trips as the protocol allows. The outputs
 * (AddPartitionsToTxn, then Produce, in sends cut to the broker's record batch limit by `chunkForBroker`) and
 * the offsets (AddOffsetsToTxn, then one TxnOffsetCommit for every partition of the batch) go out side by side,
 * then EndTxn. The client's own `addOffset` sends one TxnOffsetCommit per partition, one after the other
 * (concurrent calls are deduplicated into the first), which cost a round trip per input partition per batch.
 * The commit carries the group generation and member id of the batch's records, so a member that lost its
 * partitions is fenced.
 *
 * At-least-once (benchmark comparison only): the same sends, then a plain offset commit.
 */
import { kGetApi, kGetConnection, kMetadata, kPerformWithRetry, type Consumer, type Message, type Producer } from '@platformatic/kafka';
import { chunkForBroker, type OutgoingMessage } from './sendChunks.js';

type Msg = Message<Buffer, Buffer, Buffer, Buffer>;

interface GroupMember {
  groupId: string;
  generationId: number;
  memberId: string;
  coordinatorId: number;
}

export interface CommitStats {
  /** Sends the outputs took (each within the broker's record batch limit). */
  sends: number;
  seconds: number;
}

export class BatchCommitter {
  constructor(
    private readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>,
    private readonly consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
    private readonly o: {
      exactlyOnce: boolean;
      /** Topic → partition count, for every topic written. */
      partitions: ReadonlyMap<string, number>;
      /** Topic → max.message.bytes. */
      limits: ReadonlyMap<string, number>;
    },
  ) {}

  get exactlyOnce(): boolean {
    return this.o.exactlyOnce;
  }

  /** Writes `messages` and commits `last` (the last input record of each partition in the batch), atomically when exactly-once. */
  async commit(messages: OutgoingMessage[], last: readonly Msg[]): Promise<CommitStats> {
    const started = performance.now();
    // Cut before the transaction starts: a record that can never fit fails here, with nothing begun.
    const chunks = chunkForBroker(messages, this.o.partitions, this.o.limits);
    if (!this.o.exactlyOnce) {
      for (const chunk of chunks) await this.producer.send({ messages: chunk } as never);
      if (last.length) {
        await this.consumer.commit({ offsets: last.map((m) => ({ topic: m.topic, partition: m.partition, offset: m.offset + 1n, leaderEpoch: -1 })) });
      }
      return { sends: chunks.length, seconds: (performance.now() - started) / 1000 };
    }
    const txn = await this.producer.beginTransaction();
    try {
      const outputs = async () => {
        for (const chunk of chunks) await txn.send({ messages: chunk } as never);
      };
      const offsets = async () => {
        if (last.length === 0) return;
        await txn.addConsumer(this.consumer);
        await this.txnOffsetCommit(txn.id, last);
      };
      const settled = await Promise.allSettled([outputs(), offsets()]);
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      await txn.commit();
    } catch (e) {
      await txn.abort().catch(() => undefined);
      throw e;
    }
    return { sends: chunks.length, seconds: (performance.now() - started) / 1000 };
  }

  /** One TxnOffsetCommit with every partition's next offset, sent to the group coordinator (with the client's retries). */
  private txnOffsetCommit(transactionalId: string, last: readonly Msg[]): Promise<void> {
    const member = (last[0]!.metadata as { consumer?: GroupMember } | undefined)?.consumer;
    if (!member) return Promise.reject(new Error('input record without its consumer group metadata'));
    const topics = new Map<string, Msg[]>();
    for (const m of last) topics.set(m.topic, [...(topics.get(m.topic) ?? []), m]);
    // The client's internal request plumbing (the same calls its own addOffset makes), typed loosely here.
    const p = this.producer as unknown as Record<symbol, (...args: unknown[]) => void> & { producerId?: bigint; producerEpoch?: number };
    type Cb<T> = (error: Error | null, value?: T) => void;
    type Meta = { brokers: Map<number, unknown>; topics: Map<string, { partitions: { leaderEpoch: number }[] }> };
    return new Promise((resolve, reject) => {
      p[kPerformWithRetry]!.call(
        this.producer,
        'fraudopsTxnOffsetCommit',
        (retry: Cb<unknown>) => {
          p[kMetadata]!.call(this.producer, { topics: [...topics.keys()] }, (error: Error | null, metadata: Meta) => {
            if (error) return retry(error);
            p[kGetConnection]!.call(this.producer, metadata.brokers.get(member.coordinatorId), (error: Error | null, connection: unknown) => {
              if (error) return retry(error);
              p[kGetApi]!.call(this.producer, 'TxnOffsetCommit', (error: Error | null, api: (...args: unknown[]) => void) => {
                if (error) return retry(error);
                const body = [...topics].map(([name, msgs]) => ({
                  name,
                  partitions: msgs.map((m) => ({
                    partitionIndex: m.partition,
                    committedOffset: m.offset + 1n,
                    committedLeaderEpoch: metadata.topics.get(name)?.partitions[m.partition]?.leaderEpoch ?? -1,
                  })),
                }));
                api(connection, transactionalId, member.groupId, p.producerId, p.producerEpoch, member.generationId, member.memberId, null, body, retry);
              });
            });
          });
        },
        (error: Error | null) => (error ? reject(error) : resolve()),
        0,
        [],
      );
    });
  }
}
