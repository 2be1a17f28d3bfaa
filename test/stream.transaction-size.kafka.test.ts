/**
 * What one Kafka transaction writes must fit the broker's limit however large the batch: the topic's
 * `max.message.bytes` (the broker refuses a larger record batch with MESSAGE_TOO_LARGE). `--batch-size 20000` used
 * to make every transaction fail and the scorer retry the same batch for ever. Against the real broker, with
 * output topics whose limit is set small, so a batch of a few days' predictions is far above it: every
 * transaction must commit, every valid transaction scored once; and a record that can never fit must stop the
 * scorer with a clear error, not a retry loop.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import { clientOptions, kafkaSettings } from '../src/streaming/kafkaConnection.js';
import { buildScoringFixture, registerModel, type ScoringFixture } from './support/scoringFixture.js';
import { BROKERS, cli, freePort, readCommitted, uniqueName, waitReady } from './support/kafka.js';

let f: ScoringFixture;
beforeAll(async () => {
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 20, customers: 400, terminals: 800, seed: 61 });
  await registerModel(f, { from: '2019-08-05', to: '2019-08-13', c: 1, alias: 'champion' });
  mkdirSync(join(f.dir, 'replay'));
  for (const d of f.days.slice(-3)) copyFileSync(join(f.raw, `${d}.txt`), join(f.dir, 'replay', `${d}.txt`));
}, 300_000);
afterAll(() => rmSync(f.dir, { recursive: true, force: true }));

/** Creates the scorer's three topics, the output ones with `max.message.bytes` set to `limit`. */
async function topics(topic: string, limit: number): Promise<void> {
  const admin = new Admin(clientOptions(kafkaSettings(BROKERS), 'test-admin') as never);
  try {
    await admin.createTopics({ topics: [`${topic}-in`], partitions: 6, replicas: 1 });
    await admin.createTopics({ topics: [`${topic}-out`, `${topic}-dlq`], partitions: 3, replicas: 1, configs: [{ name: 'max.message.bytes', value: String(limit) }] });
  } finally {
    await admin.close();
  }
}

async function replayed(topic: string): Promise<number> {
  const p = cli(['replay', '--raw', join(f.dir, 'replay'), '--brokers', BROKERS, '--topic', `${topic}-in`, '--json']);
  expect(await p.exited, p.output()).toBe(0);
  return (JSON.parse(p.output().slice(p.output().indexOf('{'))) as { messages: number }).messages;
}

function scorerArgs(topic: string, port: number): string[] {
  return ['stream', '--brokers', BROKERS, '--in', `${topic}-in`, '--out', `${topic}-out`, '--dlq', `${topic}-dlq`, '--group', uniqueName('g'), '--lake', f.lake,
    '--tracking', f.tracking, '--http-port', String(port), '--batch-size', '20000', '--batch-time', '2s'];
}

describe('stream > transaction size', () => {
  it('--batch-size 20000 with outputs far above the topic limit: every transaction commits, each transaction scored once', async () => {
    const topic = uniqueName('txsize');
    // 16 KiB: about 50 predictions per partition per record batch, where a batch holds thousands.
    await topics(topic, 16_384);
    const sent = await replayed(topic);
    expect(sent).toBeGreaterThan(2000);
    const port = freePort();
    const scorer = cli(scorerArgs(topic, port));
    try {
      await waitReady(scorer);
      const out = await readCommitted(`${topic}-out`, { count: sent, idleMs: 4000, timeoutMs: 180_000 });
      const ids = out.map((m) => (JSON.parse(m.value.toString()) as { id: string }).id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(sent);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      // Few, large batches (the point of the test), and none aborted.
      expect(Number(/^fraudops_stream_batch_size_count (\d+)/m.exec(metrics)?.[1])).toBeLessThan(sent / 1000);
      expect(metrics).toMatch(/^fraudops_stream_transactions_aborted_total 0$/m);
    } finally {
      scorer.proc.kill('SIGTERM');
      expect(await scorer.exited, scorer.output()).toBe(0);
    }
  }, 400_000);

  it('a dead letter larger than its topic limit stops the scorer with KAFKA_RECORD_TOO_LARGE, no retry loop, no stack trace', async () => {
    const topic = uniqueName('txsize-big');
    await topics(topic, 4096);
    appendFileSync(join(f.dir, 'replay', `${f.days[f.days.length - 1]}.txt`), `${'x'.repeat(8000)}\n`);
    const sent = await replayed(topic);
    expect(sent).toBeGreaterThan(1);
    const scorer = cli(scorerArgs(topic, freePort()));
    const code = await Promise.race([scorer.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), 240_000))]);
    if (code === 'running') scorer.proc.kill('SIGKILL');
    expect(code, scorer.output()).not.toBe('running');
    expect(code).not.toBe(0);
    expect(scorer.output()).toContain('error[KAFKA_RECORD_TOO_LARGE]');
    expect(scorer.output()).toContain(`${topic}-dlq`);
    expect(scorer.output()).not.toMatch(/error\[INTERNAL\]|\n\s+at .+:\d+:\d+/);
    // Whatever was committed before the refused batch is there once.
    const ids = (await readCommitted(`${topic}-out`, { idleMs: 2000 })).map((m) => (JSON.parse(m.value.toString()) as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeLessThan(sent);
  }, 400_000);
});
