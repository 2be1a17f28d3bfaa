/**
 * `fraudops package`: the build context takes the model from the registry (the embedded store and the real
 * MLflow server), never from git; the Dockerfile's last stage copies it in and labels the image with the model's
 * version, spec hash and run id. Driven through the CLI's entry point, in-process.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { ARTIFACT_FILE, loadArtifact } from '../src/models/artifact.js';
import { PACKAGE_MANIFEST } from '../src/delivery/package.js';
import { openRunView } from './support/runView.js';
import { REPO } from './support/goTools.js';
import { registerTestModel, uniqueModelName, type RegisteredTestModel } from './support/registeredModel.js';

const MLFLOW_URI = process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050';

/** The CLI in-process, as `fraudops <args>` with an empty environment: what it prints and its exit code. */
async function fraudops(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  try {
    const code = await main(args, {});
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fraudops-package-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const backend of ['embedded', 'mlflow'] as const) {
  describe(`deploy > package > ${backend} registry`, () => {
    let tracking: string;
    let champion: RegisteredTestModel;
    let other: RegisteredTestModel;

    beforeAll(async () => {
      tracking = backend === 'embedded' ? join(dir, `store-${backend}`) : MLFLOW_URI;
      const tracker = await openRunView(tracking);
      try {
        const name = uniqueModelName('pkg');
        champion = await registerTestModel(tracker, name, 'champion');
        other = await registerTestModel(tracker, name);
      } finally {
        await tracker.close();
      }
    });

    it('writes a context with the champion artifact and labels naming version, spec hash and run id', async () => {
      const out = join(dir, `ctx-${backend}`);
      const r = await fraudops(['package', '--model', 'champion', '--registered-model', champion.registeredModel, '--tracking', tracking, '--out', out, '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const result = JSON.parse(r.stdout);
      expect(result.model).toEqual({
        registeredModel: champion.registeredModel,
        version: champion.version,
        runId: champion.runId,
        specHash: champion.specHash,
        kind: 'logreg',
        ref: 'champion',
      });
      expect(result.modelFiles).toEqual([ARTIFACT_FILE, 'model.onnx']);
      // The artifact in the context is the registry's, byte for byte loadable, with the same spec hash.
      const { artifact } = loadArtifact(readFileSync(join(out, 'model', ARTIFACT_FILE)), 'context');
      expect(artifact.featureSpecHash).toBe(champion.specHash);
      // The Dockerfile is the project's, plus a last stage that adds the model and its labels.
      const dockerfile = readFileSync(join(out, 'Dockerfile'), 'utf8');
      expect(dockerfile.startsWith(readFileSync(join(REPO, 'Dockerfile'), 'utf8').trimEnd())).toBe(true);
      const stage = dockerfile.slice(dockerfile.lastIndexOf('FROM runtime AS model'));
      expect(stage).toMatch(/^COPY model\/ \/opt\/fraudops\/model\/$/m);
      expect(stage).toContain(`io.fraudops.model.version="${champion.version}"`);
      expect(stage).toContain(`io.fraudops.model.run-id="${champion.runId}"`);
      expect(stage).toContain(`io.fraudops.model.spec-hash="${champion.specHash}"`);
      expect(stage).toContain(`io.fraudops.model.name="${champion.registeredModel}"`);
      // The build inputs are there, the tests are not; the .dockerignore lets model/ through.
      for (const f of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src/cli/bin.ts', '.dockerignore']) {
        expect(existsSync(join(out, f)), f).toBe(true);
      }
      expect(existsSync(join(out, 'src/cli/main.test.ts'))).toBe(false);
      expect(readFileSync(join(out, '.dockerignore'), 'utf8')).toMatch(/^!model\/$/m);
    });

    it('takes a version number too, and a rerun into the same folder replaces the earlier package', async () => {
      const out = join(dir, `ctx-${backend}-v`);
      const first = await fraudops(['package', '--model', champion.version, '--registered-model', champion.registeredModel, '--tracking', tracking, '--out', out, '--json']);
      expect(first.code).toBe(0);
      const second = await fraudops(['package', '--model', other.version, '--registered-model', other.registeredModel, '--tracking', tracking, '--out', out, '--json']);
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout).model.runId).toBe(other.runId);
      expect(JSON.parse(readFileSync(join(out, PACKAGE_MANIFEST), 'utf8')).model.version).toBe(other.version);
    });
  });
}

describe('deploy > package > errors', () => {
  it('a store that does not exist is TRACKING_STORE_MISSING (exit 2) and is not created', async () => {
    const store = join(dir, 'no-store');
    const r = await fraudops(['package', '--model', 'champion', '--tracking', store, '--out', join(dir, 'never-2'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.code).toBe('TRACKING_STORE_MISSING');
    expect(existsSync(store)).toBe(false);
  });

  it('a missing alias is MODEL_NOT_FOUND naming the model; nothing is written', async () => {
    const store = join(dir, 'empty-store');
    await (await openRunView(store)).close(); // a store with no such model (reading never creates a store)
    const out = join(dir, 'never');
    const r = await fraudops(['package', '--model', 'champion', '--registered-model', 'nobody', '--tracking', store, '--out', out, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.code).toBe('MODEL_NOT_FOUND');
    expect(r.stderr).toMatch(/^error\[MODEL_NOT_FOUND\]: registered model nobody has no alias "champion"/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses to write into a folder of someone else\'s files', async () => {
    const out = join(dir, 'occupied');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await fraudops(['package', '--tracking', join(dir, 'empty-store'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error\[PACKAGE_OUT_INVALID\]/);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('without --out is a usage error (exit 2)', async () => {
    const r = await fraudops(['package']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[CONFIG_INVALID\]/);
  });
});
