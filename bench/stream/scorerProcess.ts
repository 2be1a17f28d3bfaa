/**
 * The scorer under test, run as an operator runs it (`node dist/cli/bin.js stream ...`) and watched from outside:
 * its /metrics endpoint (consumed, produced, dead letters, customers in state) and its resident memory from /proc,
 * sampled once a second. The bench stops it with SIGTERM once it has consumed what was published.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface ScorerSample {
  /** Seconds since the scorer was spawned. */
  at: number;
  consumed: number;
  produced: number;
  dead: number;
  customers: number;
  rssBytes: number | null;
  /** CPU time (user + system) the scorer process used so far, s. */
  cpuSeconds: number | null;
  /** CPU time the broker process used so far, s (null when its pid is unknown). */
  brokerCpuSeconds: number | null;
}

/** The local broker's pid, from the services script's pid file (FRAUDOPS_SERVICES_DIR/run/kafka.pid). */
export async function brokerPid(): Promise<number | undefined> {
  const file = process.env.FRAUDOPS_TEST_KAFKA_PID_FILE ?? join(process.env.FRAUDOPS_SERVICES_DIR ?? join(process.cwd(), '.services'), 'run', 'kafka.pid');
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** user + system CPU seconds of a process, from /proc/<pid>/stat (clock ticks of 1/100 s, Linux's USER_HZ). */
export async function cpuSeconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state (field 3); utime and stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** A port nothing listens on now (the scorer's HTTP endpoint). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Prometheus text → value per metric name, summed over label sets (`_total` counters keep their name). */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const v = Number(m[3]);
    if (Number.isFinite(v)) out.set(m[1], (out.get(m[1]) ?? 0) + v);
  }
  return out;
}

export class ScorerProcess {
  readonly samples: ScorerSample[] = [];
  private stderr = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;
  private readonly started = performance.now();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly broker: number | undefined,
  ) {
    child.stderr!.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString('utf8')).slice(-32 * 1024)));
    child.stdout!.resume();
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve((this.exitCode = code))));
  }

  static async start(node: string, cli: string, args: string[], cwd: string): Promise<ScorerProcess> {
    const port = await freePort();
    const child = spawn(node, [cli, 'stream', ...args, '--http-port', String(port)], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    return new ScorerProcess(child, port, await brokerPid());
  }

  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  get exitStatus(): number | null | undefined {
    return this.exitCode;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stderrTail(): string {
    return this.stderr.slice(-4000);
  }

  /** One sample of /metrics and /proc; null while the endpoint is not up yet. */
  async sample(): Promise<ScorerSample | null> {
    let text: string;
    try {
      const r = await fetch(`http://127.0.0.1:${this.port}/metrics`, { signal: AbortSignal.timeout(5000) });
      text = await r.text();
    } catch {
      return null;
    }
    const m = parseMetrics(text);
    const s: ScorerSample = {
      at: (performance.now() - this.started) / 1000,
      consumed: m.get('fraudops_stream_consumed_total') ?? 0,
      produced: m.get('fraudops_stream_produced_total') ?? 0,
      dead: m.get('fraudops_stream_dead_letters_total') ?? 0,
      customers: m.get('fraudops_stream_state_customers') ?? 0,
      rssBytes: await rss(this.child.pid),
      cpuSeconds: await cpuSeconds(this.child.pid),
      brokerCpuSeconds: await cpuSeconds(this.broker),
    };
    this.samples.push(s);
    return s;
  }

  /**
   * Samples every second until `consumed` reaches `count`. Fails when the scorer exits, or when it makes no
   * progress for `stallSeconds` (it has to start, bootstrap state and join the group within that time too).
   */
  async waitConsumed(count: number, o: { stallSeconds: number; signal: AbortSignal; onProgress?: (s: ScorerSample) => void }): Promise<ScorerSample> {
    let last = -1;
    let lastChange = performance.now();
    for (;;) {
      o.signal.throwIfAborted();
      if (this.exitCode !== undefined) throw new Error(`the scorer exited with ${this.exitCode} before consuming ${count}:\n${this.stderrTail()}`);
      const s = await this.sample();
      if (s && s.consumed >= count) return s;
      if (s && s.consumed !== last) {
        last = s.consumed;
        lastChange = performance.now();
        o.onProgress?.(s);
      }
      if ((performance.now() - lastChange) / 1000 > o.stallSeconds) {
        throw new Error(`the scorer made no progress for ${o.stallSeconds} s (consumed ${Math.max(0, last)} of ${count}):\n${this.stderrTail()}`);
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** SIGTERM: the scorer finishes its batch, commits, leaves the group and exits 0. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

async function rss(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * The scorer's sustained rate: records consumed between the first sample that saw any and the first that saw
 * them all, over the time between those samples, so start-up (model, lake, group join) is left out.
 */
export function sustainedRate(
  samples: ScorerSample[],
  count: number,
): { rows: number; seconds: number; rate: number; startupSeconds: number; scorerCpuPerTx: number | null; brokerCpuPerTx: number | null } | null {
  const first = samples.find((s) => s.consumed > 0);
  const done = samples.find((s) => s.consumed >= count);
  if (!first || !done || done.at <= first.at) return null;
  const rows = done.consumed - first.consumed;
  const seconds = done.at - first.at;
  const perTx = (a: number | null, b: number | null) => (a !== null && b !== null && rows > 0 ? (b - a) / rows : null);
  return {
    rows,
    seconds,
    rate: rows / seconds,
    startupSeconds: first.at,
    scorerCpuPerTx: perTx(first.cpuSeconds, done.cpuSeconds),
    brokerCpuPerTx: perTx(first.brokerCpuSeconds, done.brokerCpuSeconds),
  };
}
