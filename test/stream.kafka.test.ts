/**
 * The stream scorer against the real Kafka broker (scripts/services.sh up kafka), run as the CLI runs it.
 * One generated month of history in a lake, a registered champion, then days replayed to topics and scored.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { featureNames } from '../src/features/spec.js';
import type { Prediction } from '../src/scoring/Scorer.js';
import { openRunView } from './support/runView.js';
import { batchScores, buildScoringFixture, registerModel, setAlias, type ScoringFixture } from './support/scoringFixture.js';
import { BROKERS, SASL_BROKERS, cli, freePort, readCommitted, uniqueName, waitReady, type ScorerProcess } from './support/kafka.js';

let f: ScoringFixture;
const garbage = ['complete garbage', '1,2,3', '', '77,2019-09-04 24:10:00,1,1,1.00,1,1,0,0'];
beforeAll(async () => {
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 40, customers: 500, terminals: 1000, seed: 31 });
  await registerModel(f, { from: '2019-08-15', to: '2019-08-28', c: 1, alias: 'champion' });
  // The replayed copy of the raw files: the same days, plus lines that must become dead letters.
  mkdirSync(join(f.dir, 'replay'));
  for (const d of f.days.slice(-7)) copyFileSync(join(f.raw, `${d}.txt`), join(f.dir, 'replay', `${d}.txt`));
  appendFileSync(join(f.dir, 'replay', '2019-09-04.txt'), `${garbage.join('\n')}\n`);
  appendFileSync(join(f.dir, 'replay', '2019-09-04.txt'), Buffer.from([0x31, 0x2c, 0x00, 0xff, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c, 0x2c, 0x0a]));
}, 300_000);
afterAll(() => rmSync(f.dir, { recursive: true, force: true }));

function scorerArgs(topic: string, group: string, port: number, extra: string[] = []): string[] {
  return ['stream', '--brokers', BROKERS, '--in', `${topic}-in`, '--out', `${topic}-out`, '--dlq', `${topic}-dlq`, '--group', group, '--lake', f.lake,
    '--tracking', f.tracking, '--http-port', String(port), '--with-features', '--batch-size', '1000', '--model-poll', '500', ...extra];
}

async function replayDays(topic: string, from: string, days: number): Promise<number> {
  const p = cli(['replay', '--raw', join(f.dir, 'replay'), '--brokers', BROKERS, '--topic', `${topic}-in`, '--from', from, '--days', String(days), '--json']);
  expect(await p.exited, p.output()).toBe(0);
  return (JSON.parse(p.output().slice(p.output().indexOf('{'))) as { messages: number }).messages;
}

async function stop(p: ScorerProcess): Promise<number | null> {
  p.proc.kill('SIGTERM');
  return p.exited;
}

function predictionsOf(messages: { value: Buffer }[]): Prediction[] {
  return messages.map((m) => JSON.parse(m.value.toString()) as Prediction);
}

describe('stream > kafka', () => {
  it('a week streamed through a scorer killed -9 five times: one result per valid transaction, batch features and scores, dead letters', async () => {
    const topic = uniqueName('week');
    const sent = await replayDays(topic, '2019-09-03', 7);
    const batch = await batchScores(f, '2019-09-03', '2019-09-09');
    expect(sent).toBe(batch.size + garbage.length + 1);
    const group = uniqueName('g');
    const port = freePort();
    for (let kill = 0; kill < 5; kill++) {
      const p = cli(scorerArgs(topic, group, port));
      await waitReady(p);
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 2500));
      p.proc.kill('SIGKILL');
      await p.exited;
    }
    const last = cli(scorerArgs(topic, group, port, ['--track-every', '1s']));
    await waitReady(last);
    const out = await readCommitted(`${topic}-out`, { count: batch.size, idleMs: 4000, timeoutMs: 120_000 });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(await stop(last), last.output()).toBe(0);

    const preds = predictionsOf(out);
    const byId = new Map<string, number>();
    for (const p of preds) byId.set(p.id, (byId.get(p.id) ?? 0) + 1);
    expect([...byId.values()].filter((n) => n !== 1)).toEqual([]);
    expect(byId.size).toBe(batch.size);
    const names = featureNames();
    let worst = 0;
    let scoreDiff = 0;
    for (const p of preds) {
      const b = batch.get(p.id)!;
      expect(b, p.id).toBeDefined();
      names.forEach((n, j) => (worst = Math.max(worst, Math.abs(p.features![n] - b.features[j]))));
      scoreDiff = Math.max(scoreDiff, Math.abs(p.score - b.score));
      expect(p.decision).toBe(p.score >= p.threshold ? 'alert' : 'pass');
      expect(p.modelVersion).toBe('1');
      expect(p.featureSpecHash).toMatch(/^[0-9a-f]{16}$/);
      expect(Date.parse(p.scoringTime)).toBeGreaterThan(Date.parse(p.eventTime));
      expect(p.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(worst).toBeLessThanOrEqual(1e-9);
    expect(scoreDiff).toBeLessThanOrEqual(1e-12);

    const dead = await readCommitted(`${topic}-dlq`, { count: garbage.length + 1, idleMs: 1500 });
    expect(dead).toHaveLength(garbage.length + 1);
    const reasons = dead.map((d) => d.headers.get(Buffer.from('reason') as never)?.toString() ?? headerOf(d.headers, 'reason')).sort();
    expect(reasons).toEqual(['bad_datetime', 'blank_line', 'column_count', 'column_count', 'not_text']);
    expect(dead.map((d) => d.value.toString())).toContain('complete garbage');
    for (const d of dead) expect(Number(headerOf(d.headers, 'source-offset'))).toBeGreaterThanOrEqual(0);

    // /metrics is Prometheus text, with the numbers the issue lists.
    for (const name of ['fraudops_stream_consumed_total', 'fraudops_stream_produced_total', 'fraudops_stream_lag', 'fraudops_stream_latency_seconds_bucket',
      'fraudops_stream_batch_size_bucket', 'fraudops_stream_transaction_commit_seconds_bucket', 'fraudops_stream_dead_letters_total', 'fraudops_stream_model_version', 'fraudops_stream_state_entries']) {
      expect(metrics, name).toMatch(new RegExp(`^${name}`, 'm'));
    }
    for (const line of metrics.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+|NaN|\+Inf$/);
    }
    // The tracker received the throughput.
    const tracker = await openRunView(f.tracking);
    try {
      const exp = await tracker.getExperimentByName('fraudops-stream');
      const runs = await tracker.searchRuns({ experimentIds: [exp!.experimentId] });
      const history = await tracker.getMetricHistory(runs[0].info.runId, 'consumed_per_second');
      expect(history.length).toBeGreaterThan(0);
      expect(runs[0].data.params.brokers).toBe(BROKERS);
      expect(JSON.stringify(runs[0].data.params)).not.toMatch(/password/i);
    } finally {
      await tracker.close();
    }
  }, 600_000);

  it('a second scorer joins mid-stream and leaves: nothing lost or doubled, features still equal batch; promotion switches the version at one batch boundary', async () => {
    const topic = uniqueName('rebalance');
    await replayDays(topic, '2019-09-05', 1);
    const batch = await batchScores(f, '2019-09-05', '2019-09-06');
    const group = uniqueName('g');
    const a = cli(scorerArgs(topic, group, freePort(), ['--batch-size', '100']));
    await waitReady(a);
    const b = cli(scorerArgs(topic, group, freePort(), ['--batch-size', '100']));
    await waitReady(b);
    const firstDay = await readCommitted(`${topic}-out`, { count: batch.size / 3, idleMs: 500, timeoutMs: 120_000 });
    expect(firstDay.length).toBeGreaterThan(0);
    // Promotion while both run; the second day arrives after it, so the new version must show up.
    const v2 = await registerModel(f, { from: '2019-08-10', to: '2019-08-31', c: 0.05 });
    await setAlias(f, 'champion', v2);
    await new Promise((r) => setTimeout(r, 2000));
    await replayDays(topic, '2019-09-06', 1);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await stop(b), b.output()).toBe(0);
    const out = await readCommitted(`${topic}-out`, { count: batch.size, idleMs: 4000, timeoutMs: 180_000 });
    expect(await stop(a), a.output()).toBe(0);
    await setAlias(f, 'champion', '1');
    // One rebalance when b joins and one when it leaves: a has three sessions, b one (a little slack for a missed
    // heartbeat on a busy machine). A member that joined the group again at each new session made the two
    // rebalance each other over and over, each rebalance a rebuild of every partition's state.
    const sessions = (p: { output: () => string }) => p.output().split('\n').filter((l) => l.includes('session in generation')).length;
    expect(sessions(a), a.output()).toBeLessThanOrEqual(4);
    expect(sessions(b), b.output()).toBeLessThanOrEqual(2);

    const preds = predictionsOf(out);
    const ids = new Set(preds.map((p) => p.id));
    expect(ids.size).toBe(preds.length);
    expect(ids.size).toBe(batch.size);
    const names = featureNames();
    let worst = 0;
    for (const p of preds) names.forEach((n, j) => (worst = Math.max(worst, Math.abs(p.features![n] - batch.get(p.id)!.features[j]))));
    expect(worst).toBeLessThanOrEqual(1e-9);
    // Per input partition, in offset order: version 1 then version 2, one switch, never back.
    const byPartition = new Map<number, Prediction[]>();
    for (const p of preds) byPartition.set(p.partition, [...(byPartition.get(p.partition) ?? []), p]);
    let switched = 0;
    for (const list of byPartition.values()) {
      const versions = list.sort((x, y) => Number(x.offset) - Number(y.offset)).map((p) => p.modelVersion);
      const changes = versions.filter((v, i) => i > 0 && v !== versions[i - 1]).length;
      expect(changes).toBeLessThanOrEqual(1);
      if (changes === 1) switched++;
      expect(versions[0]).toBe('1');
    }
    expect(preds.some((p) => p.modelVersion === v2)).toBe(true);
    expect(switched).toBeGreaterThan(0);
    // All predictions scored in one scoring instant carry one version (a batch is scored by one model).
    const perBatch = new Map<string, Set<string>>();
    for (const p of preds) perBatch.set(`${p.scoringTime}|${p.partition}`, (perBatch.get(`${p.scoringTime}|${p.partition}`) ?? new Set()).add(p.modelVersion));
    expect([...perBatch.values()].every((s) => s.size === 1)).toBe(true);
  }, 600_000);

  describe('security: SASL_SSL with SCRAM-SHA-512', () => {
    const password = (): string => readFileSync(process.env.FRAUDOPS_TEST_KAFKA_PASSWORD_FILE!, 'utf8').trim();
    const saslEnv = (over: Record<string, string> = {}) => ({
      FRAUDOPS_KAFKA_SECURITY: 'sasl_ssl',
      FRAUDOPS_KAFKA_CA: process.env.FRAUDOPS_TEST_KAFKA_CA!,
      FRAUDOPS_KAFKA_USERNAME: process.env.FRAUDOPS_TEST_KAFKA_USERNAME!,
      FRAUDOPS_KAFKA_PASSWORD_FILE: process.env.FRAUDOPS_TEST_KAFKA_PASSWORD_FILE!,
      ...over,
    });
    const replayOver = (topic: string, env: Record<string, string>) =>
      cli(['replay', '--raw', join(f.dir, 'replay', '2019-09-05.txt'), '--brokers', SASL_BROKERS, '--topic', topic], env);

    it('works with the right credentials and the CA', async () => {
      const topic = uniqueName('sasl');
      const p = replayOver(topic, saslEnv());
      expect(await p.exited, p.output()).toBe(0);
      expect(p.output()).not.toContain(password());
      expect((await readCommitted(topic, { idleMs: 1500 })).length).toBeGreaterThan(100);
    });

    it('a wrong password is a clear error, non-zero exit, no stack trace, no secret', async () => {
      const wrong = `wrong-${password().slice(0, 6)}-secret`;
      const p = replayOver(uniqueName('sasl'), saslEnv({ FRAUDOPS_KAFKA_PASSWORD: wrong }));
      const code = await p.exited;
      expect(code).not.toBe(0);
      expect(p.output()).toMatch(/error\[KAFKA_AUTH_FAILED\]/);
      expect(p.output()).not.toMatch(/\n\s+at /);
      expect(p.output()).not.toContain(wrong);
      expect(p.output()).not.toContain(password());
    });

    it('an unknown CA is a clear error, non-zero exit, no stack trace', async () => {
      const dir = join(f.dir, 'other-ca');
      mkdirSync(dir, { recursive: true });
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=other CA', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')], { stdio: 'ignore' });
      const p = replayOver(uniqueName('sasl'), saslEnv({ FRAUDOPS_KAFKA_CA: join(dir, 'ca.crt') }));
      expect(await p.exited).not.toBe(0);
      expect(p.output()).toMatch(/error\[KAFKA_TLS_FAILED\]/);
      expect(p.output()).not.toMatch(/\n\s+at /);
      expect(p.output()).not.toContain(password());
      writeFileSync(join(dir, 'done'), '');
    });
  });
});

function headerOf(headers: Map<Buffer, Buffer>, name: string): string | undefined {
  for (const [k, v] of headers) if (k.toString() === name) return v.toString();
  return undefined;
}
