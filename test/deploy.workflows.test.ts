/**
 * The GitHub Actions workflows: `actionlint` (installed with `go install` from the Go module proxy) is clean on
 * both, and they say what the delivery contract says: CI tests on Node 20, 22 and 24 after starting the services;
 * a release runs on `repository_dispatch: model-promoted` and on version tags, builds with Buildx, pushes the
 * model-<version> and git-sha tags to GHCR, then `helm upgrade --install`s the new image.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { GO_TOOL_INSTALL_TIMEOUT_MS, REPO, goTool } from './support/goTools.js';

const WORKFLOWS = join(REPO, '.github/workflows');

let actionlint: string;

interface Finding {
  message: string;
  filepath: string;
  line: number;
  kind: string;
}

function lint(files: string[], cwd = REPO): { status: number | null; findings: Finding[] } {
  const r = spawnSync(actionlint, ['-format', '{{json .}}', ...files], { cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  expect(r.stderr).toBe('');
  return { status: r.status, findings: JSON.parse(r.stdout || '[]') as Finding[] };
}

function workflow(name: string) {
  return parse(readFileSync(join(WORKFLOWS, name), 'utf8'));
}

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };

beforeAll(() => {
  actionlint = goTool('actionlint');
}, GO_TOOL_INSTALL_TIMEOUT_MS);

describe('deploy > workflows > actionlint', () => {
  it('is clean on ci.yml and release.yml', () => {
    const { status, findings } = lint(['.github/workflows/ci.yml', '.github/workflows/release.yml']);
    expect(findings).toEqual([]);
    expect(status).toBe(0);
  });

  it('reports a broken workflow (a job output read from a job that is not needed)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudops-actionlint-'));
    try {
      const broken = readFileSync(join(WORKFLOWS, 'release.yml'), 'utf8').replace('needs.image.outputs.digest', 'needs.imag.outputs.digest');
      const file = join(dir, 'release.yml');
      writeFileSync(file, broken);
      const { status, findings } = lint([file], dir);
      expect(status).toBe(1);
      expect(findings.map((f) => f.kind)).toContain('expression');
      expect(findings.some((f) => f.message.includes('imag'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy > workflows > ci', () => {
  it('installs, starts the services and tests on Node 20, 22 and 24', () => {
    const ci = workflow('ci.yml');
    const job = ci.jobs.test;
    expect(job.strategy.matrix.node).toEqual([20, 22, 24]);
    const steps: Step[] = job.steps;
    const setupNode = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe('${{ matrix.node }}');
    const runs = steps.map((s) => s.run ?? '');
    const at = (pattern: RegExp) => runs.findIndex((r) => pattern.test(r));
    expect(at(/^npm ci$/)).toBeGreaterThanOrEqual(0);
    expect(at(/scripts\/services\.sh up/)).toBeGreaterThan(at(/^npm ci$/));
    expect(at(/npm test/)).toBeGreaterThan(at(/scripts\/services\.sh up/));
  });
});

describe('deploy > workflows > release', () => {
  const release = () => workflow('release.yml');

  it('runs on the model-promoted dispatch and on version tags', () => {
    const on = release().on;
    expect(on.repository_dispatch.types).toEqual(['model-promoted']);
    expect(on.push.tags).toEqual(['v*.*.*']);
  });

  it('builds with Buildx from the packaged context and pushes model-<version> and the git sha to GHCR', () => {
    const image = release().jobs.image;
    expect(image.permissions.packages).toBe('write');
    const steps: Step[] = image.steps;
    const uses = steps.map((s) => s.uses?.split('@')[0]);
    expect(uses).toEqual(expect.arrayContaining(['docker/setup-buildx-action', 'docker/login-action', 'docker/build-push-action']));
    expect(steps.find((s) => s.uses?.startsWith('docker/login-action@'))?.with?.registry).toBe('ghcr.io');
    const pkg = steps.find((s) => /\bpackage --model\b/.test(s.run ?? ''));
    expect(pkg?.run).toMatch(/--out build\/image/);
    const build = steps.find((s) => s.uses?.startsWith('docker/build-push-action@'));
    expect(build?.with).toMatchObject({ context: 'build/image', push: true });
    const tags = steps.find((s) => s.with === undefined && /model-\$MODEL_VERSION/.test(s.run ?? ''));
    expect(tags?.run).toMatch(/echo "\$IMAGE:model-\$MODEL_VERSION"/);
    expect(tags?.run).toMatch(/echo "\$IMAGE:\$GITHUB_SHA"/);
    expect(build?.with?.tags).toBe('${{ steps.tags.outputs.list }}');
  });

  it('then rolls the new image out with helm upgrade --install, by tag and digest', () => {
    const deploy = release().jobs.deploy;
    expect(deploy.needs).toBe('image');
    const upgrade = (deploy.steps as Step[]).find((s) => /helm upgrade --install/.test(s.run ?? ''));
    expect(upgrade?.run).toMatch(/deploy\/helm\/fraudops/);
    expect(upgrade?.run).toMatch(/--set image\.tag="model-\$MODEL_VERSION"/);
    expect(upgrade?.run).toMatch(/--set image\.digest="\$DIGEST"/);
    // The scorer serves the version the image was built for.
    expect(upgrade?.run).toMatch(/--set-string model\.ref="\$MODEL_VERSION"/);
    expect(upgrade?.env?.DIGEST).toBe('${{ needs.image.outputs.digest }}');
  });
});
