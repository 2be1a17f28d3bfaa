/** The rate at which a topic grows: the sum of its partitions' end offsets, read twice `sampleMs` apart. */
import { Consumer } from '@platformatic/kafka';
import { clientOptions, kafkaError, type KafkaSettings } from './kafkaConnection.js';

export async function measureTopicRate(s: KafkaSettings, topic: string, sampleMs: number, signal?: AbortSignal): Promise<{ rate: number; partitions: number }> {
  try {
    const read = async (): Promise<{ total: bigint; partitions: number }> => {
      const c = new Consumer({ ...(clientOptions(s, 'fraudops-capacity') as object), groupId: 'fraudops-capacity' } as never);
      try {
        const offsets = await c.listOffsets({ topics: [topic] });
        const list = offsets.get(topic) ?? [];
        return { total: list.reduce((a, b) => a + b, 0n), partitions: list.length };
      } finally {
        await Promise.resolve(c.close(true)).catch(() => undefined);
      }
    };
    const a = await read();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, sampleMs));
    signal?.throwIfAborted();
    const b = await read();
    return { rate: Number(b.total - a.total) / ((performance.now() - t0) / 1000), partitions: b.partitions };
  } catch (e) {
    throw kafkaError(e, s, `measuring ${topic}`);
  }
}
