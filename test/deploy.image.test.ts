/**
 * The image, built by a real OCI builder on this machine: buildah (Debian's package, vfs storage, chroot
 * isolation) builds the context `fraudops package` writes — the project's Dockerfile plus the model stage — and
 * the test runs the image's entrypoint with `--help` inside it. Docker Hub cannot be reached from here, so the
 * Dockerfile's pinned node:*-bookworm-slim base is replaced, through its NODE_IMAGE build argument, by a local
 * stand-in of the same shape that scripts/services/buildah.sh assembles (Debian bookworm minbase, this machine's
 * Node under /usr/local, this machine's CA bundle). Everything else is the Dockerfile as CI builds it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageImage } from '../src/delivery/package.js';
import { openTracker } from '../src/tracking/openTracker.js';
import { REPO } from './support/goTools.js';
import { registerTestModel, type RegisteredTestModel } from './support/registeredModel.js';

const exec = promisify(execFile);
const BUILD_TIMEOUT_MS = 40 * 60_000;
const TAG = `localhost/fraudops-image-test:${process.pid}`;

interface ImageConfig {
  User: string;
  Env: string[];
  Entrypoint: string[];
  Cmd: string[];
  WorkingDir: string;
  Labels: Record<string, string>;
  ExposedPorts?: Record<string, unknown>;
  Healthcheck?: { Test: string[] };
}

let dir: string;
let model: RegisteredTestModel;
let config: ImageConfig;

/** buildah as root, where the base image is kept (through sudo where the tests do not run as root, as on CI runners). */
function buildah(args: string[], timeout = 10 * 60_000): Promise<{ stdout: string; stderr: string }> {
  const command = ['buildah', '--storage-driver', 'vfs', ...args];
  const [bin, ...rest] = process.getuid?.() === 0 ? command : ['sudo', '-n', ...command];
  return exec(bin, rest, { timeout, maxBuffer: 64 << 20 });
}

/** Runs `command` in a fresh container of the image, as the image's user, and removes the container. */
async function runInImage(command: string[]): Promise<string> {
  const { stdout: id } = await buildah(['from', '--quiet', TAG]);
  const ctr = id.trim();
  try {
    const { stdout } = await buildah(['run', '--isolation', 'chroot', ctr, '--', ...command], 5 * 60_000);
    return stdout;
  } finally {
    await buildah(['rm', ctr]).catch(() => undefined);
  }
}

beforeAll(async () => {
  const { stdout: base } = await exec('bash', [join(REPO, 'scripts/services/buildah.sh'), 'base'], { timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 << 20 });
  dir = mkdtempSync(join(tmpdir(), 'fraudops-image-'));
  const registry = join(dir, 'registry');
  const tracker = await openTracker(registry);
  try {
    model = await registerTestModel(tracker, 'fraudops-fraud', 'champion');
  } finally {
    await tracker.close();
  }
  const context = join(dir, 'context');
  await packageImage({ model: 'champion', out: context, tracking: registry, source: REPO });
  // Docker format keeps HEALTHCHECK (OCI image configs have no field for it); --layers reuses unchanged steps.
  await buildah(
    ['bud', '--isolation', 'chroot', '--layers', '--format', 'docker', '--build-arg', `NODE_IMAGE=${base.trim().split('\n').at(-1)}`, '--build-arg', 'REVISION=test', '-t', TAG, context],
    BUILD_TIMEOUT_MS,
  );
  const { stdout } = await buildah(['inspect', '--type', 'image', TAG]);
  config = (JSON.parse(stdout) as { Docker: { config: ImageConfig } }).Docker.config;
}, BUILD_TIMEOUT_MS);

afterAll(async () => {
  await buildah(['rmi', TAG]).catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('deploy > image > buildah', () => {
  it('runs fraudops --help through the image entrypoint', async () => {
    expect(config.Entrypoint).toEqual(['node', '/app/dist/cli/bin.js']);
    const out = await runInImage([...config.Entrypoint, '--help']);
    for (const command of ['prepare', 'train', 'score', 'stream', 'package']) expect(out).toContain(command);
  });

  it('runs as a non-root user with NODE_ENV=production and no dev dependencies', async () => {
    expect(config.User).toBe('10001:10001');
    expect(config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production']));
    const out = await runInImage(['node', '-e', 'const fs=require("fs");console.log(JSON.stringify({uid:process.getuid(),env:process.env.NODE_ENV,dev:["vitest","typescript","tsx"].filter((d)=>fs.existsSync("/app/node_modules/"+d)),app:fs.statSync("/app/dist").uid}))']);
    expect(JSON.parse(out)).toEqual({ uid: 10001, env: 'production', dev: [], app: 0 });
  });

  it('carries the packaged model and labels naming its version, spec hash and run id, with OCI labels and a HEALTHCHECK on /healthz', async () => {
    expect(config.Labels).toMatchObject({
      'io.fraudops.model.name': 'fraudops-fraud',
      'io.fraudops.model.version': model.version,
      'io.fraudops.model.run-id': model.runId,
      'io.fraudops.model.spec-hash': model.specHash,
      'org.opencontainers.image.title': 'fraudops',
      'org.opencontainers.image.revision': 'test',
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(config.Healthcheck?.Test.join(' ')).toContain('/healthz');
    expect(Object.keys(config.ExposedPorts ?? {})).toEqual(['9464/tcp']);
    const hash = await runInImage(['node', '-e', 'console.log(JSON.parse(require("fs").readFileSync("/opt/fraudops/model/model.fraudops.json","utf8")).featureSpecHash)']);
    expect(hash.trim()).toBe(model.specHash);
  });
});
