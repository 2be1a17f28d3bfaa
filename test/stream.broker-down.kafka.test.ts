/**
 * The broker stopped under a running scorer. This file starts its own Kafka broker (the services script's kafka
 * service in a private state directory and on its own ports), because stopping the shared one would break the
 * other test files. The scorer must stay up, retry with backoff, say not-ready on /readyz while the broker is
 * gone, and when it is back resume with every transaction scored exactly once.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Prediction } from '../src/scoring/Scorer.js';
import { batchScores, buildScoringFixture, registerModel, type ScoringFixture } from './support/scoringFixture.js';
import { cli, freePort, readCommitted, uniqueName, waitReady } from './support/kafka.js';

const ROOT = join(import.meta.dirname, '..');
const PORT = 29192;
const BROKERS = `127.0.0.1:${PORT}`;
const brokerEnv = (state: string) => ({
  ...process.env,
  FRAUDOPS_SERVICES_DIR: state,
  FRAUDOPS_KAFKA_PORT: String(PORT),
  FRAUDOPS_KAFKA_CONTROLLER_PORT: String(PORT + 1),
  FRAUDOPS_KAFKA_SASL_PORT: String(PORT + 2),
  FRAUDOPS_KAFKA_HEAP: '384m',
});
function broker(state: string, action: 'up' | 'down'): void {
  execFileSync('bash', [join(ROOT, 'scripts', 'services.sh'), action, 'kafka'], { env: brokerEnv(state), stdio: 'pipe', timeout: 180_000 });
}

let f: ScoringFixture;
let state: string;
beforeAll(async () => {
  state = mkdtempSync(join(tmpdir(), 'private-kafka-'));
  broker(state, 'up');
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 24, customers: 300, terminals: 600, seed: 47 });
  await registerModel(f, { from: '2019-08-08', to: '2019-08-17', c: 1, alias: 'champion' });
  mkdirSync(join(f.dir, 'replay'));
  for (const d of f.days.slice(-3)) copyFileSync(join(f.raw, `${d}.txt`), join(f.dir, 'replay', `${d}.txt`));
}, 400_000);
afterAll(() => {
  try {
    broker(state, 'down');
  } finally {
    rmSync(state, { recursive: true, force: true });
    if (f) rmSync(f.dir, { recursive: true, force: true });
  }
});

/**
 * The child's exit code, or, if it has not exited within `ms`, a failure naming `what` with the child's output (the
 * child killed): a hang then fails at its step instead of at the test's own timeout, which says nothing.
 */
async function exitCode(p: ReturnType<typeof cli>, what: string, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), ms)));
  const code = await Promise.race([p.exited, late]).finally(() => clearTimeout(timer));
  if (code !== 'late') return code;
  p.proc.kill('SIGKILL');
  throw new Error(`${what} had not exited after ${ms} ms:\n${p.output()}`);
}

async function replay(topic: string, from: string): Promise<number> {
  const p = cli(['replay', '--raw', join(f.dir, 'replay'), '--brokers', BROKERS, '--topic', topic, '--from', from, '--days', '1', '--json']);
  expect(await exitCode(p, `replay of ${from}`, 120_000), p.output()).toBe(0);
  return (JSON.parse(p.output().slice(p.output().indexOf('{'))) as { messages: number }).messages;
}

async function readyz(port: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, output = () => ''): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}\n${output()}`);
}

describe('stream > kafka > broker down', () => {
  it('the broker stops mid-stream: the scorer stays up, is not ready while it is gone, and resumes with no loss when it returns', async () => {
    const topic = uniqueName('down');
    const [d1, d2, d3] = f.days.slice(-3);
    const batch = await batchScores(f, d1!, d3!);
    const port = freePort();
    const scorer = cli(['stream', '--brokers', BROKERS, '--in', `${topic}-in`, '--out', `${topic}-out`, '--dlq', `${topic}-dlq`, '--group', uniqueName('g'),
      '--lake', f.lake, '--tracking', f.tracking, '--http-port', String(port), '--batch-size', '500']);
    let exited = false;
    void scorer.exited.then(() => (exited = true));
    try {
      await waitReady(scorer);
      const first = await replay(`${topic}-in`, d1!);
      await until('the first day scored', async () => (await readCommitted(`${topic}-out`, { brokers: BROKERS, idleMs: 500 })).length >= first, 120_000, scorer.output);

      broker(state, 'down');
      await until('/readyz to report not ready', async () => (await readyz(port)) === 503, 60_000, scorer.output);
      // Down for a while: the scorer keeps retrying and stays alive.
      await new Promise((r) => setTimeout(r, 5000));
      expect(exited, scorer.output()).toBe(false);
      expect(await readyz(port)).toBe(503);
      const healthz = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(healthz.status).toBe(200);

      broker(state, 'up');
      await until('/readyz to report ready again', async () => (await readyz(port)) === 200, 120_000, scorer.output);
      await replay(`${topic}-in`, d2!);
      await replay(`${topic}-in`, d3!);
      const out = await readCommitted(`${topic}-out`, { brokers: BROKERS, count: batch.size, idleMs: 3000, timeoutMs: 180_000 });
      const ids = new Map<string, number>();
      for (const m of out) {
        const p = JSON.parse(m.value.toString()) as Prediction;
        ids.set(p.id, (ids.get(p.id) ?? 0) + 1);
        expect(Math.abs(p.score - batch.get(p.id)!.score)).toBeLessThanOrEqual(1e-12);
      }
      expect([...ids.values()].filter((n) => n !== 1)).toEqual([]);
      expect(ids.size).toBe(batch.size);
      expect(scorer.output()).toMatch(/retry/i);
      expect(scorer.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    } finally {
      scorer.proc.kill('SIGTERM');
    }
    expect(await exitCode(scorer, 'the scorer, after SIGTERM,', 60_000), scorer.output()).toBe(0);
  }, 600_000);
});
