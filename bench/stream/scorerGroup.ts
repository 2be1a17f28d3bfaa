/**
 * Several scorers in one consumer group (replicas, as `fraudops capacity` sizes them), watched as one: each
 * sample sums their /metrics counters, RSS and CPU time. With one replica it is the single scorer.
 */
import { ScorerProcess, type ScorerSample } from './scorerProcess.js';

export class ScorerGroup {
  readonly samples: ScorerSample[] = [];
  private readonly started = performance.now();

  private constructor(readonly members: ScorerProcess[]) {}

  static async start(replicas: number, node: string, cli: string, args: string[], cwd: string): Promise<ScorerGroup> {
    const members: ScorerProcess[] = [];
    for (let i = 0; i < replicas; i++) members.push(await ScorerProcess.start(node, cli, args, cwd));
    return new ScorerGroup(members);
  }

  /** One combined sample; null until every member's endpoint is up. */
  async sample(): Promise<ScorerSample | null> {
    const each = await Promise.all(this.members.map((m) => m.sample()));
    if (each.some((s) => s === null)) return null;
    const all = each as ScorerSample[];
    const sum = (pick: (s: ScorerSample) => number | null): number | null =>
      all.some((s) => pick(s) === null) ? null : all.reduce((t, s) => t + pick(s)!, 0);
    const s: ScorerSample = {
      at: (performance.now() - this.started) / 1000,
      consumed: sum((x) => x.consumed)!,
      produced: sum((x) => x.produced)!,
      dead: sum((x) => x.dead)!,
      customers: sum((x) => x.customers)!,
      rssBytes: sum((x) => x.rssBytes),
      cpuSeconds: sum((x) => x.cpuSeconds),
      // One broker: every member reads the same process's CPU time.
      brokerCpuSeconds: all[0]!.brokerCpuSeconds,
    };
    this.samples.push(s);
    return s;
  }

  /** Samples every second until the members together consumed `count`; fails when one exits or all stall. */
  async waitConsumed(count: number, o: { stallSeconds: number; signal: AbortSignal; onProgress?: (s: ScorerSample) => void }): Promise<ScorerSample> {
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      o.signal.throwIfAborted();
      const gone = this.members.find((m) => m.hasExited);
      if (gone) throw new Error(`a scorer exited with ${gone.exitStatus} before the group consumed ${count}:\n${gone.stderrTail()}`);
      const s = await this.sample();
      if (s && s.consumed >= count) return s;
      if (s && s.consumed !== last) {
        last = s.consumed;
        lastChange = performance.now();
        o.onProgress?.(s);
      }
      if ((performance.now() - lastChange) / 1000 > o.stallSeconds) {
        throw new Error(`the scorers made no progress for ${o.stallSeconds} s (consumed ${Math.max(0, last)} of ${count}):\n${this.stderrTail()}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** SIGTERM to every member; the exit codes. */
  async stop(): Promise<(number | null)[]> {
    return Promise.all(this.members.map((m) => m.stop()));
  }

  stderrTail(): string {
    return this.members.map((m, i) => (this.members.length > 1 ? `[replica ${i + 1}]\n` : '') + m.stderrTail()).join('\n');
  }
}
