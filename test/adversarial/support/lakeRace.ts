/**
 * Helpers for racing `fraudops prepare` processes against one lake: spawn the real CLI, wait for a lake object
 * to appear, and reduce a lake to what a reader can observe (commits without timestamps or writer tokens, the
 * live rows' hash, the quarantine lines, and which objects exist), so a raced lake can be compared with a
 * serial run on the same raw halves.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DuckDbEngine } from '../../../src/engine/DuckDbEngine.js';
import { sqlStringList } from '../../../src/engine/SqlEngine.js';
import { liveParts } from '../../../src/lake/readLake.js';
import { openStore } from '../../../src/storage/openStore.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}): { done: Promise<Outcome>; kill(): void } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { done, kill: () => child.kill('SIGKILL') };
}

/** Polls the lake until an object under `prefix` exists (or `timeoutMs` passes). */
export async function waitForObject(lake: string, prefix: string, timeoutMs = 60_000): Promise<void> {
  const store = await openStore(lake);
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await store.list(prefix)).length > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no object under ${prefix} in ${lake} after ${timeoutMs} ms`);
  } finally {
    await store.close();
  }
}

/** The error code in a `--json` failure document, if the output is one. */
export function errorCode(o: Outcome): string | undefined {
  try {
    return (JSON.parse(o.stdout) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

export interface LakeSnapshot {
  commits: unknown[];
  quarantine: Record<string, string>;
  rows: { n: number; h: string };
  duplicateIds: number;
  /** Objects no commit references (leftovers), outside the writer-lease area. */
  unreferenced: string[];
}

/** Everything a reader can observe in a lake, with per-run details (timestamps, writer tokens, part names) removed. */
export async function snapshotLake(lake: string, cacheDir: string): Promise<LakeSnapshot> {
  const store = await openStore(lake);
  try {
    const { log, paths } = await liveParts(store, cacheDir);
    const referenced = log.referencedKeys();
    const all = await store.list('');
    const unreferenced = all
      .map((o) => o.key)
      .filter((k) => !referenced.has(k) && !k.startsWith('_fraudops/'));
    const quarantine: Record<string, string> = {};
    const commits = log.commits.map((c) => {
      if (c.quarantine) quarantine[c.raw.key] = '';
      return {
        seq: c.seq,
        raw: { key: c.raw.key, size: c.raw.size, sha256: c.raw.sha256 },
        parts: c.parts.map((p) => ({ day: p.day, rows: p.rows, minId: String(p.minId), maxId: String(p.maxId) })),
        quarantineRows: c.quarantine?.rows ?? 0,
        account: c.account,
      };
    });
    for (const c of log.commits) if (c.quarantine) quarantine[c.raw.key] = (await store.readBytes(c.quarantine.key)).toString('utf8');
    let rows = { n: 0, h: '0' };
    let duplicateIds = 0;
    if (paths.length > 0) {
      const engine = await DuckDbEngine.create();
      try {
        const [r] = await engine.query<{ n: bigint; h: bigint }>(
          `SELECT count(*) AS n, sum(hash(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_time_seconds, tx_time_days, tx_fraud, tx_fraud_scenario, terminal_id_missing, source_file, source_line)) AS h FROM read_parquet(${sqlStringList(paths)})`,
        );
        const [d] = await engine.query<{ d: bigint }>(`SELECT count(*) - count(DISTINCT transaction_id) AS d FROM read_parquet(${sqlStringList(paths)})`);
        rows = { n: Number(r.n), h: String(r.h) };
        duplicateIds = Number(d.d);
      } finally {
        await engine.close();
      }
    }
    return { commits, quarantine, rows, duplicateIds, unreferenced };
  } finally {
    await store.close();
  }
}
