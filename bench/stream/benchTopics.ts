/**
 * Topics of one stream bench run (named after the run, deleted at the end unless --keep) and the reader that
 * takes the latency of each prediction from what a read_committed consumer sees.
 */
import { Admin, FetchIsolationLevels, type Message } from '@platformatic/kafka';
import { CommittedReadConsumer } from '../../src/streaming/committedConsumer.js';
import { clientOptions, kafkaSettings } from '../../src/streaming/kafkaConnection.js';

export async function deleteTopics(brokers: string, topics: string[]): Promise<void> {
  const admin = new Admin(clientOptions(kafkaSettings(brokers), 'fraudops-bench') as never);
  try {
    const meta = await admin.metadata({ topics: [] });
    const existing = topics.filter((t) => meta.topics.has(t));
    if (existing.length) await admin.deleteTopics({ topics: existing });
  } finally {
    await admin.close().catch(() => undefined);
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * latencyMs (scoring time − the input record's timestamp) of every committed prediction whose eventTime is on or
 * after `fromDay`, read until `expected` predictions arrived or none came for 5 s.
 */
export async function predictionLatencies(brokers: string, topic: string, fromDay: string, expected: number): Promise<LatencySummary> {
  const consumer = new CommittedReadConsumer({
    ...(clientOptions(kafkaSettings(brokers), 'fraudops-bench-reader') as object),
    groupId: `fraudops-bench-reader-${process.pid}-${Date.now()}`,
  } as never) as CommittedReadConsumer<Buffer, Buffer, Buffer, Buffer>;
  const latencies: number[] = [];
  let seen = 0;
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 200 } as never);
    let last = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (seen >= expected || Date.now() - last > 5000) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
        seen++;
        last = Date.now();
        const p = JSON.parse(m.value.toString('utf8')) as { eventTime: string; latencyMs: number };
        if (p.eventTime.slice(0, 10) >= fromDay) latencies.push(p.latencyMs);
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, p50: percentile(latencies, 0.5), p90: percentile(latencies, 0.9), p99: percentile(latencies, 0.99), max: latencies[latencies.length - 1] ?? NaN };
}
