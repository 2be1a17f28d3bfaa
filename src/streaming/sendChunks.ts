/**
 * Splits what one Kafka transaction writes into sends the broker accepts.
 *
 * The limit a large batch meets is the topic's `max.message.bytes` (the broker's `message.max.bytes`, 1 MiB by
 * default): the client writes all of one send's records for a partition as one record batch, and the broker
 * refuses a batch above that size with MESSAGE_TOO_LARGE. The whole send fails, and a scorer that retried the
 * batch met the same refusal for ever (`--batch-size 20000` did that). So every send is cut so that each
 * partition's records in it stay under the topic's limit, however large the batch; several sends then make up
 * one transaction. A single record that can never fit is a clear, non-retriable error naming it.
 */
import { defaultPartitioner } from '@platformatic/kafka';
import { FraudopsError } from '../errors.js';

export interface OutgoingMessage {
  topic: string;
  key?: Buffer;
  value: Buffer;
  /** Set by `chunkForBroker` when absent: the client's default partitioner (murmur2 of the key), as the client would. */
  partition?: number;
  headers?: Map<Buffer, Buffer>;
  /** Where a dead letter came from, for the error when it cannot be written. */
  source?: { topic: string; partition: number; offset: bigint };
}

/** The broker's 1 MiB default for `message.max.bytes` / `max.message.bytes` (1,048,588). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Record batch header (61 bytes) and a margin for varint lengths the estimate below rounds up anyway. */
const BATCH_OVERHEAD = 128;
/** Per-record framing: length, attributes, timestamp and offset deltas, key/value/header lengths (varints). */
const RECORD_OVERHEAD = 24;

/** Bytes one record adds to its record batch, rounded up (uncompressed). */
export function recordBytes(m: OutgoingMessage): number {
  let n = RECORD_OVERHEAD + (m.key?.length ?? 0) + m.value.length;
  if (m.headers) for (const [k, v] of m.headers) n += k.length + v.length + 10;
  return n;
}

/**
 * `messages` in send order, cut into consecutive chunks in which every partition's records fit one record batch
 * of its topic's limit (`limits`: topic → max.message.bytes) and no chunk holds more than `maxRecords`. Each
 * message gets its partition (`partitions`: topic → partition count). Order within a partition is kept.
 */
export function chunkForBroker(
  messages: OutgoingMessage[],
  partitions: ReadonlyMap<string, number>,
  limits: ReadonlyMap<string, number>,
  maxRecords = 50_000,
): OutgoingMessage[][] {
  const chunks: OutgoingMessage[][] = [];
  let chunk: OutgoingMessage[] = [];
  /** Per topic: its partition count, limit and the bytes each partition holds in the current chunk. */
  const topics = new Map<string, { count: number; limit: number; used: number[] }>();
  for (const m of messages) {
    let t = topics.get(m.topic);
    if (t === undefined) {
      const count = partitions.get(m.topic);
      if (count === undefined) throw new Error(`chunkForBroker: no partition count for topic ${m.topic}`);
      t = { count, limit: limits.get(m.topic) ?? DEFAULT_MAX_MESSAGE_BYTES, used: new Array<number>(count).fill(BATCH_OVERHEAD) };
      topics.set(m.topic, t);
    }
    if (m.partition === undefined) m.partition = m.key ? defaultPartitioner(m as never, m.key) % t.count : 0;
    const size = recordBytes(m);
    if (size + BATCH_OVERHEAD > t.limit) throw recordTooLarge(m, size, t.limit);
    const partition = m.partition % t.count;
    if (t.used[partition]! + size > t.limit || chunk.length >= maxRecords) {
      chunks.push(chunk);
      chunk = [];
      for (const other of topics.values()) other.used.fill(BATCH_OVERHEAD);
    }
    chunk.push(m);
    t.used[partition]! += size;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
}

function recordTooLarge(m: OutgoingMessage, size: number, limit: number): FraudopsError {
  const from = m.source ? ` (from ${m.source.topic} partition ${m.source.partition} offset ${m.source.offset})` : '';
  return new FraudopsError(
    'KAFKA_RECORD_TOO_LARGE',
    `a record of about ${size} bytes for topic ${m.topic}${from} exceeds the topic's max.message.bytes of ${limit}; ` +
      `raise max.message.bytes of ${m.topic} (kafka-configs --alter --entity-type topics --add-config max.message.bytes=N)`,
    { context: { topic: m.topic, bytes: size, limit, ...(m.source ? { sourcePartition: m.source.partition, sourceOffset: String(m.source.offset) } : {}) } },
  );
}
