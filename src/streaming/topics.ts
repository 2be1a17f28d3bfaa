/** Creates the topics a command needs when they do not exist yet (input, predictions, dead letters), and reads their limits. */
import { Admin, ConfigResourceTypes } from '@platformatic/kafka';
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

/**
 * Each topic's `max.message.bytes` (the largest record batch the broker accepts for it; the broker's
 * `message.max.bytes` unless the topic overrides it), from the broker's own configuration.
 */
export async function maxMessageBytes(s: KafkaSettings, topics: string[]): Promise<Map<string, number>> {
  const admin = new Admin(clientOptions(s, 'fraudops-admin') as never);
  try {
    const described = await admin.describeConfigs({
      resources: topics.map((t) => ({ resourceType: ConfigResourceTypes.TOPIC, resourceName: t, configurationKeys: ['max.message.bytes'] })),
    });
    const out = new Map<string, number>();
    for (const d of described) {
      const value = Number(d.configs.find((c) => c.name === 'max.message.bytes')?.value);
      if (Number.isInteger(value) && value > 0) out.set(d.resourceName, value);
    }
    return out;
  } catch (e) {
    throw kafkaError(e, s, 'reading topic limits');
  } finally {
    await admin.close().catch(() => undefined);
  }
}
