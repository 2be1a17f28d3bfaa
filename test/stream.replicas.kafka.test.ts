/**
 * The scorer's replica figure for KEDA or an HPA, against the real Kafka broker: while days are replayed at a
 * steady rate, /metrics carries the input topic's rate, the per-replica rate and fraudops_stream_replicas_desired
 * by the rule of `fraudops capacity` (ceil(input × headroom / per-replica), capped by partitions).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { capacity } from '../src/streaming/capacity.js';
import { buildScoringFixture, registerModel, type ScoringFixture } from './support/scoringFixture.js';
import { BROKERS, cli, freePort, uniqueName, waitReady, type ScorerProcess } from './support/kafka.js';

let f: ScoringFixture;
beforeAll(async () => {
  f = await buildScoringFixture({ startDate: '2019-08-01', days: 12, customers: 3000, terminals: 3000, seed: 53 });
  await registerModel(f, { from: '2019-08-03', to: '2019-08-08', c: 1, alias: 'champion' });
  mkdirSync(join(f.dir, 'replay'));
  for (const d of f.days.slice(-3)) copyFileSync(join(f.raw, `${d}.txt`), join(f.dir, 'replay', `${d}.txt`));
}, 300_000);
afterAll(() => rmSync(f.dir, { recursive: true, force: true }));

function gauges(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(fraudops_stream_[a-z_]+) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

async function metrics(p: ScorerProcess): Promise<Map<string, number>> {
  return gauges(await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text());
}

/** Polls `check` once a second until it returns a value; `what` names the condition in the failure. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, limitMs: number, detail: () => string): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}:\n${detail()}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('stream > replicas desired', () => {
  it('exports the input rate, the per-replica rate and the replicas the capacity rule gives, capped by partitions', async () => {
    const topic = uniqueName('replicas');
    const scorers: ScorerProcess[] = [];
    const start = (group: string, extra: string[]) => {
      const p = cli(['stream', '--brokers', BROKERS, '--in', `${topic}-in`, '--out', `${topic}-out`, '--dlq', `${topic}-dlq`, '--group', group,
        '--lake', f.lake, '--tracking', f.tracking, '--http-port', String(freePort()), '--batch-size', '200', '--track-every', '0', ...extra]);
      scorers.push(p);
      return p;
    };
    // The input grows while the days are replayed at a steady rate, again and again until both readings were seen:
    // how long one replay lasts against the scorers' reading cadence does not matter on a busy machine.
    let feeding = true;
    const replayCodes: (number | null)[] = [];
    let replayOutput = '';
    const feed = async () => {
      while (feeding) {
        const r = cli(['replay', '--raw', join(f.dir, 'replay'), '--brokers', BROKERS, '--topic', `${topic}-in`, '--rate', '1000', '--json']);
        replayCodes.push(await r.exited);
        replayOutput = r.output();
      }
    };
    let fed: Promise<void> | undefined;
    try {
      // One scorer measures its own per-replica rate; another is told a small one, so the figure hits the partition cap.
      const measured = start(uniqueName('g'), ['--headroom', '1.5']);
      const told = start(uniqueName('g'), ['--per-replica', '50', '--headroom', '2']);
      await Promise.all([waitReady(measured), waitReady(told)]);
      fed = feed();
      const detail = () => `replays ${JSON.stringify(replayCodes)} ${replayOutput}\nmeasured:\n${measured.output()}\ntold:\n${told.output()}`;
      // A reading taken while the input grew, with a figure exported beside it. For the told scorer, an input fast
      // enough that the uncapped figure passes the 6 partitions (input × 2 / 50 > 6).
      const growing = (p: ScorerProcess, minInput: number) => async () => {
        const m = await metrics(p);
        const ok = (m.get('fraudops_stream_input_per_second') ?? 0) > minInput && m.has('fraudops_stream_replicas_desired') && (m.get('fraudops_stream_replica_capacity_per_second') ?? 0) > 0;
        return ok ? m : undefined;
      };
      const [seenMeasured, seenTold] = await Promise.all([
        waitFor('a reading of a growing input with a measured per-replica rate', growing(measured, 0), 180_000, detail),
        waitFor('a reading of an input over 150/s on the told scorer', growing(told, 150), 180_000, detail),
      ]);
      feeding = false;
      await fed;
      expect(replayCodes.every((c) => c === 0), detail()).toBe(true);

      // The told scorer: its per-replica rate is what it was told, and the figure is capped at the 6 partitions.
      expect(seenTold.get('fraudops_stream_replica_capacity_per_second')).toBe(50);
      expect(capacity({ inputRate: seenTold.get('fraudops_stream_input_per_second')!, perReplicaRate: 50, headroom: 2, partitions: 6 }).uncapped).toBeGreaterThan(6);
      expect(seenTold.get('fraudops_stream_replicas_desired')).toBe(6);
      // Both: the exported figure is the capacity rule applied to the exported rates, read in the same scrape.
      for (const [m, headroom] of [[seenMeasured, 1.5], [seenTold, 2]] as const) {
        const input = m.get('fraudops_stream_input_per_second')!;
        const per = m.get('fraudops_stream_replica_capacity_per_second')!;
        expect(m.get('fraudops_stream_replicas_desired')).toBe(capacity({ inputRate: input, perReplicaRate: per, headroom, partitions: 6 }).replicas);
      }
      // The input rate is the topic's growth: once the replays are over, a later reading says 0 and one replica.
      const quiet = await waitFor('a reading of the input at rest', async () => {
        const m = await metrics(told);
        return m.get('fraudops_stream_input_per_second') === 0 ? m : undefined;
      }, 120_000, detail);
      expect(quiet.get('fraudops_stream_replicas_desired')).toBe(1);
    } finally {
      feeding = false;
      for (const p of scorers) p.proc.kill('SIGTERM');
      await Promise.all([...scorers.map((p) => p.exited), fed]);
    }
  }, 480_000);
});
