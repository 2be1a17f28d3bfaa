/**
 * Runs one child process and measures it: wall time, and peak resident memory. Peak RSS comes from GNU time
 * (`/usr/bin/time`, the kernel's own high-water mark of the child) when it is installed, else from polling
 * /proc. Programs that fork their real work into grandchildren they never reap (PySpark's JVM) are measured with
 * `rss: 'tree'`, which samples the summed RSS of the whole process tree instead.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface MeasureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** 'capture' keeps stdout in the result (e.g. a --json report); 'ignore' sends it to /dev/null. */
  stdout?: 'capture' | 'ignore' | 'inherit';
  /** 'self': the child's own peak (exact with GNU time). 'tree': sampled peak of the sum over all descendants. */
  rss?: 'self' | 'tree';
  /** Echo the child's stderr as it arrives (it is kept either way, the last 64 KiB of it). */
  echoStderr?: boolean;
  signal?: AbortSignal;
}

export interface Measurement {
  command: string[];
  exitCode: number;
  wallSeconds: number;
  /** Null when neither GNU time nor /proc is available. */
  peakRssBytes: number | null;
  rssSource: 'gnu-time' | 'proc-self' | 'proc-tree' | 'none';
  stdout: string;
  stderrTail: string;
}

const GNU_TIME = '/usr/bin/time';
const STDERR_KEEP = 64 * 1024;

/** FRAUDOPS_BENCH_RSS=proc forces /proc polling even where GNU time exists (to compare the two). */
export function haveGnuTime(): boolean {
  return process.env.FRAUDOPS_BENCH_RSS !== 'proc' && existsSync(GNU_TIME);
}

export async function measureCommand(cmd: string, args: string[], options: MeasureOptions = {}): Promise<Measurement> {
  const mode = options.rss ?? 'self';
  const useTime = mode === 'self' && haveGnuTime();
  const scratch = useTime ? await mkdtemp(join(tmpdir(), 'fraudops-bench-')) : null;
  const timeFile = scratch ? join(scratch, 'time.txt') : null;
  const [file, argv] = timeFile ? [GNU_TIME, ['-f', '%M', '-o', timeFile, cmd, ...args]] : [cmd, args];
  const stdoutMode = options.stdout ?? 'capture';

  try {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', stdoutMode === 'capture' ? 'pipe' : stdoutMode, 'pipe'],
      signal: options.signal,
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => {
      if (options.echoStderr) process.stderr.write(b);
      err = (err + b.toString('utf8')).slice(-STDERR_KEEP);
    });
    const poller = useTime || child.pid === undefined ? null : startRssPoller(child.pid, mode);
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
    });
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const polled = poller ? await poller.stop() : null;

    let peakRssBytes: number | null = polled;
    let rssSource: Measurement['rssSource'] = polled === null ? 'none' : mode === 'tree' ? 'proc-tree' : 'proc-self';
    if (timeFile) {
      const kb = await readTimeFile(timeFile);
      if (kb !== null) {
        peakRssBytes = kb * 1024;
        rssSource = 'gnu-time';
      }
    }
    return {
      command: [cmd, ...args],
      exitCode,
      wallSeconds,
      peakRssBytes,
      rssSource,
      stdout: Buffer.concat(out).toString('utf8'),
      stderrTail: err,
    };
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** GNU time writes "Command exited with non-zero status N" before the format line when the child fails. */
async function readTimeFile(path: string): Promise<number | null> {
  try {
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const kb = Number(lines[lines.length - 1]);
    return Number.isFinite(kb) ? kb : null;
  } catch {
    return null;
  }
}

interface RssPoller {
  stop(): Promise<number | null>;
}

function startRssPoller(pid: number, mode: 'self' | 'tree'): RssPoller {
  let peak: number | null = null;
  let running = true;
  const sample = async (): Promise<void> => {
    const bytes = mode === 'tree' ? await treeRss(pid) : await statusField(pid, 'VmHWM');
    if (bytes !== null && (peak === null || bytes > peak)) peak = bytes;
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, mode === 'tree' ? 200 : 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

async function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number | null> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Sum of current RSS over pid and all its descendants, found through each process's parent in /proc/N/stat. */
async function treeRss(root: number): Promise<number | null> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return null;
  }
  const parent = new Map<number, number>();
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        try {
          const stat = await readFile(`/proc/${e}/stat`, 'utf8');
          // The command name may hold spaces and parentheses; fields resume after the last ')'.
          const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
          parent.set(Number(e), ppid);
        } catch {
          /* the process ended between readdir and read */
        }
      }),
  );
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  const sizes = await Promise.all([...tree].map((p) => statusField(p, 'VmRSS')));
  const known = sizes.filter((s): s is number => s !== null);
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}
