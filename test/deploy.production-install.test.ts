/**
 * The product as the image runs it: `npm pack` (which builds), the tarball installed into a clean folder with
 * `--omit=dev`, and then the installed `fraudops` binary — `--help`, a raw day file scored through the in-process
 * path, and the Kafka scorer started against the test broker until its /healthz answers 200. Nothing of the
 * repository's node_modules or sources is on the installed CLI's path.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRunView } from './support/runView.js';
import { REPO } from './support/goTools.js';
import { registerTestModel, type RegisteredTestModel } from './support/registeredModel.js';

const exec = promisify(execFile);
const BROKERS = process.env.FRAUDOPS_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';
const INSTALL_TIMEOUT_MS = 15 * 60_000;

let dir: string;
let app: string;
let bin: string;
let registry: string;
let model: RegisteredTestModel;

/** The installed CLI, with an environment that knows nothing of the repository. */
function fraudops(args: string[], timeout = 120_000): Promise<{ stdout: string; stderr: string }> {
  return exec(bin, args, { cwd: app, env: cleanEnv(), timeout, maxBuffer: 16 << 20 });
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'TMPDIR']) if (process.env[k]) env[k] = process.env[k];
  return env;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fraudops-prod-install-'));
  // npm pack runs prepack (the TypeScript build), so the tarball is what a publish would ship.
  const packed = await exec('npm', ['pack', '--pack-destination', dir, '--json'], { cwd: REPO, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 << 20 });
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
  const tarball = join(dir, filename);
  expect(existsSync(tarball)).toBe(true);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'fraudops-production-install', private: true }));
  // As the image installs: production dependencies only; onnxruntime-node's optional GPU download skipped as
  // the allowScripts entry of the project's package.json does (it does not reach a dependent's install).
  await exec('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: app,
    env: { ...process.env, npm_config_onnxruntime_node_install: 'skip' },
    timeout: INSTALL_TIMEOUT_MS,
    maxBuffer: 64 << 20,
  });
  bin = join(app, 'node_modules', '.bin', 'fraudops');
  registry = join(dir, 'registry');
  const tracker = await openRunView(registry);
  try {
    model = await registerTestModel(tracker, 'fraudops-fraud', 'champion');
  } finally {
    await tracker.close();
  }
}, INSTALL_TIMEOUT_MS);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deploy > production install', () => {
  it('installs without dev dependencies', () => {
    const installed = readdirSync(join(app, 'node_modules'));
    expect(installed).toContain('fraudops');
    // Packages only the dev tree needs (yaml is not one: the workflow engine's SDK depends on it at run time).
    for (const dev of ['vitest', 'typescript', 'tsx']) expect(installed, dev).not.toContain(dev);
    // Type packages only where a run-time dependency declares them (apache-arrow lists @types/node among its own).
    const declared = new Set<string>();
    const manifests = installed.flatMap((n) => (n.startsWith('@') ? readdirSync(join(app, 'node_modules', n)).map((m) => `${n}/${m}`) : [n]));
    for (const name of manifests) {
      const file = join(app, 'node_modules', name, 'package.json');
      if (!existsSync(file)) continue;
      const deps = (JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
      for (const d of Object.keys(deps)) declared.add(d);
    }
    const types = installed.includes('@types') ? readdirSync(join(app, 'node_modules', '@types')).map((m) => `@types/${m}`) : [];
    expect(types.filter((t) => !declared.has(t))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'fraudops', 'package.json'), 'utf8'));
    expect(pkg.engines.node).toBe('>=20.19');
    expect(existsSync(join(app, 'node_modules', 'fraudops', 'src'))).toBe(false);
  });

  it('runs fraudops --help', async () => {
    const { stdout } = await fraudops(['--help']);
    for (const command of ['prepare', 'train', 'validate', 'score', 'stream', 'package']) expect(stdout).toContain(command);
  });

  it('scores a raw day file through the in-process path with the champion', async () => {
    const raw = join(dir, 'raw');
    await fraudops(['generate', '--out', raw, '--start-date', '2019-08-22', '--days', '1', '--customers', '60', '--terminals', '120', '--seed', '5']);
    const [day] = readdirSync(raw).filter((f) => /^\d{4}-\d{2}-\d{2}\./.test(f));
    const out = join(dir, 'predictions.jsonl');
    const { stdout } = await fraudops(['score', '--raw', join(raw, day), '--out', out, '--tracking', registry, '--json']);
    const result = JSON.parse(stdout);
    expect(result.scored).toBeGreaterThan(0);
    expect(String(result.modelVersion)).toBe(model.version);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(result.scored);
    for (const p of lines) {
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
    }
  });

  it('starts the scorer against the test broker and answers 200 on /healthz, then stops on SIGTERM with exit 0', async () => {
    const port = await freePort();
    const suffix = `${Date.now().toString(36)}-${process.pid}`;
    const child: ChildProcess = spawn(
      bin,
      ['stream', '--brokers', BROKERS, '--in', `prod-install-in-${suffix}`, '--out', `prod-install-out-${suffix}`, '--group', `prod-install-${suffix}`, '--tracking', registry, '--http-port', String(port), '--track-every', '0'],
      { cwd: app, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let status = 0;
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline && child.exitCode === null) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 0);
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(status, `scorer stderr:\n${stderr}`).toBe(200);
      child.kill('SIGTERM');
      expect(await exited, `scorer stderr:\n${stderr}`).toBe(0);
      expect(stderr).not.toMatch(/error\[INTERNAL\]|\n\s+at /);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
