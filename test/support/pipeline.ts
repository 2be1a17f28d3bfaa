/**
 * Helpers for the pipeline's integration tests: a fresh engine schema per test on the services' PostgreSQL, the
 * CLI as a child process (so a test can kill it for real), small generated raw data, and polling of run state.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generate } from '../../src/generator/generate.js';
import { RunsClient, type RunDetail } from '../../src/pipeline/engine/RunsClient.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PG_URI = process.env.FRAUDOPS_TEST_PG_URI ?? 'postgresql://mlflow:mlflow@127.0.0.1:5433/mlflow';

let schemas = 0;
/** A schema no other test uses; dropped by `dropSchema`. */
export function freshSchema(label: string): string {
  return `pipeline_test_${label}_${process.pid}_${Date.now().toString(36)}_${schemas++}`;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URI });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** 36 generated days (a validation fold, train, delay and test weeks), small enough to train in seconds. */
export async function smallRaw(dir: string): Promise<string> {
  const raw = join(dir, 'raw');
  await generate({ out: raw, startDate: '2019-08-22', days: 36, customers: 400, terminals: 800, seed: 1, noise: 'course', workers: 1 });
  return raw;
}

export function workDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `fraudops-pipeline-${label}-`));
}

/** Flags of a fast daily run on local files. */
export function runFlags(dir: string, schema: string): string[] {
  return ['--raw', join(dir, 'raw'), '--lake', join(dir, 'lake'), '--tracking', join(dir, 'mlruns'), '--model', 'logreg', '--folds', '1', '--bootstrap', '100', '--db', PG_URI, '--schema', schema];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { result: Promise<CliResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, FRAUDOPS_DEBUG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const result = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return Object.assign(child, { result });
}

export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).result;
}

export async function withRuns<T>(schema: string, fn: (c: RunsClient) => Promise<T>): Promise<T> {
  const client = await RunsClient.open(PG_URI, schema);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Polls `show(runId)` until `until` holds. */
export async function waitForRun(schema: string, runId: string, until: (r: RunDetail) => boolean, timeoutMs = 500_000): Promise<RunDetail> {
  const deadline = Date.now() + timeoutMs;
  return withRuns(schema, async (c) => {
    let last: RunDetail | undefined;
    while (Date.now() < deadline) {
      last = await c.show(runId).catch(() => undefined);
      // A run records its tasks once it starts: a predicate naming a task not listed yet is not met yet.
      let met = false;
      try {
        met = !!last && until(last);
      } catch {
        met = false;
      }
      if (met) return last!;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`run ${runId} did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last?.tasks.map((t) => [t.task, t.state]))}`);
  });
}

export function task(run: RunDetail, name: string) {
  const t = run.tasks.find((x) => x.task === name);
  if (!t) throw new Error(`run ${run.runId} has no task ${name}`);
  return t;
}
