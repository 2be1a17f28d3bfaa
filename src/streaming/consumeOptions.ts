/**
 * How the scorer fetches its input: what `consumer.consume()` is given, in one place so the backlog test reads a
 * topic exactly as the scorer does.
 *
 * The per-partition limit matters most. The client's default is the whole response's limit (10 MiB), and the
 * broker fills a response partition by partition in the order asked, which the client never rotates: at a
 * backlog, every fetch came back full of the first partition, so a scorer read its partitions one after the
 * other instead of side by side. The partition read first then ran days of event time ahead of the others, the
 * terminal history (shared by the partitions of a process and evicted at the slowest one's time) held all of
 * those days, and each later partition reloaded older days out of order: the 5M bench's state showed customers
 * in steps of a third and the scorer's RSS grew to 1.7 GiB. 1 MiB per partition (the Java consumer's
 * `max.partition.fetch.bytes`) under a 10 MiB response lets every partition of a fetch advance together.
 */
import { FetchIsolationLevels } from '@platformatic/kafka';

/** Bytes of one partition in one fetch response. */
export const PARTITION_FETCH_BYTES = 1_048_576;
/** Bytes of one fetch response. */
export const FETCH_BYTES = 10 * 1_048_576;

export function scorerConsumeOptions(topic: string): Record<string, unknown> {
  return {
    topics: [topic],
    // Every session reads its partitions from the beginning: records below the committed offset rebuild state.
    mode: 'earliest',
    autocommit: false,
    isolationLevel: FetchIsolationLevels.READ_COMMITTED,
    maxWaitTime: 100,
    maxBytes: FETCH_BYTES,
    maxBytesPerPartition: PARTITION_FETCH_BYTES,
    // Messages the stream buffers ahead of the scorer (a fetch is pushed whole, so this is a floor).
    highWaterMark: 10_000,
  };
}
