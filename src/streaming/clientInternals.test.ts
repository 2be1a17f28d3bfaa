/**
 * The `@platformatic/kafka` internals the scorer leans on, checked against the installed client so that a new
 * client version fails here, loudly and by name, instead of in a transaction on a live broker:
 * - BatchCommitter sends one TxnOffsetCommit itself through the client's request plumbing (kPerformWithRetry,
 *   kMetadata, kGetConnection, kGetApi) with the request's argument order, the producer's id and epoch, and
 *   the group member carried on each consumed message;
 * - CommittedReadConsumer overrides kGetApi to filter Fetch results, reading the isolation level by position;
 * - the scorer holds its input topic in `consumer.topics`, because the client joins the group again whenever
 *   consume() meets an untracked topic.
 * The client is pinned to the version these were verified on (package.json); raising it means re-reading those
 * call sites and the integration tests (test/stream*.kafka.test.ts) against the broker, then this constant.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as kafka from '@platformatic/kafka';
import { Consumer, Producer, kGetApi, kGetConnection, kMetadata, kPerformWithRetry } from '@platformatic/kafka';

const VERIFIED = '1.35.0';
const ROOT = join(import.meta.dirname, '..', '..');

function params(fn: unknown): string[] {
  const src = String(fn);
  return src.slice(src.indexOf('(') + 1, src.indexOf(')')).split(',').map((p) => p.trim());
}

describe('streaming > client internals', () => {
  it('the installed client is the version the internals were verified on, and package.json pins it exactly', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies['@platformatic/kafka']).toBe(VERIFIED);
    const require = createRequire(join(ROOT, 'package.json'));
    const installed = JSON.parse(readFileSync(join(require.resolve('@platformatic/kafka').replace(/dist[/\\]index\.js$/, ''), 'package.json'), 'utf8')) as { version: string };
    expect(installed.version).toBe(VERIFIED);
  });

  it('the request plumbing BatchCommitter and CommittedReadConsumer call exists on both clients', () => {
    for (const symbol of [kPerformWithRetry, kMetadata, kGetConnection, kGetApi]) {
      expect(typeof symbol).toBe('symbol');
      expect(typeof (Producer.prototype as unknown as Record<symbol, unknown>)[symbol]).toBe('function');
      expect(typeof (Consumer.prototype as unknown as Record<symbol, unknown>)[symbol]).toBe('function');
    }
  });

  it('TxnOffsetCommit and Fetch take their arguments in the order the scorer passes them', () => {
    const api = kafka as unknown as Record<string, { createRequest: unknown }>;
    for (const v of ['txnOffsetCommitV3', 'txnOffsetCommitV4']) {
      expect(params(api[v]!.createRequest)).toEqual(['transactionalId', 'groupId', 'producerId', 'producerEpoch', 'generationId', 'memberId', 'groupInstanceId', 'topics']);
    }
    for (const v of ['fetchV12', 'fetchV13', 'fetchV14', 'fetchV15', 'fetchV16', 'fetchV17']) {
      // The api is called with the connection first, so the isolation level is argument 4 (committedConsumer.ts).
      expect(params(api[v]!.createRequest).indexOf('isolationLevel')).toBe(3);
    }
  });

  it('a consumed message carries its group member, and the consumer keeps topics in a counted map', () => {
    const require = createRequire(join(ROOT, 'package.json'));
    const dist = require.resolve('@platformatic/kafka').replace(/index\.js$/, '');
    const stream = readFileSync(join(dist, 'clients', 'consumer', 'messages-stream.js'), 'utf8');
    expect(stream).toMatch(/consumer:\s*\{\s*groupId: this\.#consumer\.groupId,\s*memberId: this\.#consumer\.memberId,\s*generationId: this\.#consumer\.generationId,\s*coordinatorId: this\.#consumer\.coordinatorId/);
    expect(stream).toMatch(/metadata: messageMetadata/);
    const consumer = readFileSync(join(dist, 'clients', 'consumer', 'consumer.js'), 'utf8');
    // consume() joins again when it newly tracks a topic; a closed stream untracks its topics.
    expect(consumer).toMatch(/if \(this\.topics\.track\(topic\)\) \{\s*joinNeeded = true;/);
    expect(consumer).toMatch(/this\.topics\.untrackAll\(\.\.\.options\.topics\)/);
  });

  it('a topic held in consumer.topics stays tracked when one stream on it lets go', async () => {
    // No broker is contacted: the client connects on its first request.
    const consumer = new Consumer({ clientId: 'contract', bootstrapBrokers: ['127.0.0.1:9'], groupId: 'contract' } as never);
    try {
      expect(consumer.topics.track('in')).toBe(true);
      expect(consumer.topics.track('in')).toBe(false);
      expect(consumer.topics.untrackAll('in')).toEqual([false]);
      expect(consumer.topics.current).toEqual(['in']);
    } finally {
      await consumer.close(true);
    }
  });
});
