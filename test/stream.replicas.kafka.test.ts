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
    try {
      // One scorer measures its own per-replica rate; another is told a small one, so the figure hits the partition cap.
      const measured = start(uniqueName('g'), ['--headroom', '1.5']);
      const told = start(uniqueName('g'), ['--per-replica', '50', '--headroom', '2']);
      await Promise.all([waitReady(measured), waitReady(told)]);
      const replay = cli(['replay', '--raw', join(f.dir, 'replay'), '--brokers', BROKERS, '--topic', `${topic}-in`, '--rate', '1000', '--json']);
      let seenMeasured: Map<string, number> | undefined;
      let seenTold: Map<string, number> | undefined;
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && !(seenMeasured && seenTold)) {
        await new Promise((r) => setTimeout(r, 1000));
        for (const [p, set] of [[measured, (m: Map<string, number>) => (seenMeasured = m)], [told, (m: Map<string, number>) => (seenTold = m)]] as const) {
          const m = await metrics(p);
          if ((m.get('fraudops_stream_input_per_second') ?? 0) > 100 && m.has('fraudops_stream_replicas_desired') && (m.get('fraudops_stream_replica_capacity_per_second') ?? 0) > 0) set(m);
        }
      }
      expect(await replay.exited, replay.output()).toBe(0);
      const lastSeen = JSON.stringify([...(await metrics(measured))].filter(([k]) => /input|replica|consumed_total/.test(k)));
      expect(seenMeasured, `${lastSeen}\n${measured.output()}`).toBeDefined();
      expect(seenTold, told.output()).toBeDefined();

      // The told scorer: its per-replica rate is what it was told; input ≈ 1000/s × 2 / 50 → far above 6 partitions.
      expect(seenTold!.get('fraudops_stream_replica_capacity_per_second')).toBe(50);
      expect(seenTold!.get('fraudops_stream_replicas_desired')).toBe(6);
      // Both: the exported figure is the capacity rule applied to the exported rates.
      for (const [m, headroom] of [[seenMeasured!, 1.5], [seenTold!, 2]] as const) {
        const input = m.get('fraudops_stream_input_per_second')!;
        const per = m.get('fraudops_stream_replica_capacity_per_second')!;
        expect(m.get('fraudops_stream_replicas_desired')).toBe(capacity({ inputRate: input, perReplicaRate: per, headroom, partitions: 6 }).replicas);
        expect(input).toBeGreaterThan(100);
        expect(input).toBeLessThan(3000);
      }
    } finally {
      for (const p of scorers) p.proc.kill('SIGTERM');
      await Promise.all(scorers.map((p) => p.exited));
    }
  }, 240_000);
});
