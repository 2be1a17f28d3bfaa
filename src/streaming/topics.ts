/** Creates the topics a command needs when they do not exist yet (input, predictions, dead letters). */
import { Admin } from '@platformatic/kafka';
import { clientOptions, kafkaError, type KafkaSettings } from './kafkaConnection.js';

export async function ensureTopics(s: KafkaSettings, topics: string[], partitions: number): Promise<Map<string, number>> {
  const admin = new Admin(clientOptions(s, 'fraudops-admin') as never);
  try {
    const existing = await admin.metadata({ topics: [] }).catch(() => undefined);
    const have = new Set(existing ? [...existing.topics.keys()] : []);
    const missing = topics.filter((t) => !have.has(t));
    if (missing.length) {
      await admin.createTopics({ topics: missing, partitions, replicas: 1 }).catch((e: unknown) => {
        if (!/already exists/i.test(String((e as Error)?.message) + JSON.stringify((e as { errors?: unknown }).errors ?? ''))) throw e;
      });
    }
    const meta = await admin.metadata({ topics });
    return new Map(topics.map((t) => [t, meta.topics.get(t)?.partitionsCount ?? partitions]));
  } catch (e) {
    throw kafkaError(e, s, 'creating topics');
  } finally {
    await admin.close().catch(() => undefined);
  }
}
