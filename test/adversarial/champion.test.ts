/**
 * `fraudops champion` as found: `--json` with no champion gave no reason; a champion whose artifact is corrupt
 * was reported as healthy; an artifact with non-numeric weights failed with an error that did not name it.
 * Embedded tracker, ladder models (support/modelLadder.ts); the command runs in process through the CLI entry point, with captured output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadArtifact, type ModelArtifact } from '../../src/models/artifact.js';
import { CHAMPION, validate } from '../../src/promotion/validate.js';
import { openRunView, type RunView } from '../support/runView.js';
import { train } from '../../src/training/train.js';
import { smallLake } from '../support/handbookLake.js';
import { ARTIFACT_PATH, registerLadder, type Rung } from './support/modelLadder.js';

let dir: string;
let lake: string;
let uri: string;
let tracker: RunView;
let artifact: Buffer;
let rungs: Rung[];
const MODEL = 'fraudops-champion-cases';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'champion-cases-'));
  lake = await smallLake();
  const trained = await train({ lake, model: 'logreg', folds: 1, tracking: join(dir, 'trained'), workDir: dir, seed: 1 });
  const t = await openRunView(join(dir, 'trained'));
  artifact = await t.downloadArtifact(trained.runId, ARTIFACT_PATH);
  await t.close();
  uri = join(dir, 'tracking');
  tracker = await openRunView(uri);
}, 900_000);
afterAll(async () => {
  await tracker?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function champion(model: string, json = true): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const capture = (c: string | Uint8Array) => (out.push(String(c)), true);
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const code = await main(['champion', '--tracking', uri, '--registered-model', model, ...(json ? ['--json'] : [])], {});
    return { code, out: out.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('champion > cases', () => {
  it('--json with no champion says why: no such model, or versions but none promoted', async () => {
    const none = await champion('never-registered');
    expect(none.code).toBe(1);
    expect(JSON.parse(none.out)).toMatchObject({ reason: { code: 'NO_REGISTERED_MODEL' } });
    rungs = await registerLadder(tracker, artifact, MODEL, 'champion-cases', [1, 99]);
    const unpromoted = await champion(MODEL);
    expect(unpromoted.code).toBe(1);
    expect(JSON.parse(unpromoted.out)).toMatchObject({ reason: { code: 'NO_CHAMPION_YET' } });
  });

  it('a champion whose artifact is corrupt is reported unhealthy, with exit 1', async () => {
    await tracker.setAlias(MODEL, CHAMPION, rungs[1].version);
    const healthy = await champion(MODEL);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.out)).toMatchObject({ champion: { version: rungs[1].version, artifact: { ok: true } } });
    await tracker.logArtifact(rungs[1].runId, Buffer.from('{"format": 1, "kind": "logreg", "trunc'), ARTIFACT_PATH);
    const corrupt = await champion(MODEL);
    expect(corrupt.code).toBe(1);
    expect(JSON.parse(corrupt.out)).toMatchObject({ champion: { version: rungs[1].version, artifact: { ok: false, code: 'ARTIFACT_UNREADABLE' } } });
    const human = await champion(MODEL, false);
    expect(human.code).toBe(1);
    expect(human.out).toMatch(/UNREADABLE/);
  });

  it('an artifact with non-numeric weights fails at load, naming the artifact', () => {
    const a = JSON.parse(artifact.toString('utf8')) as ModelArtifact;
    const body = a.model as unknown as { coef: unknown[] };
    body.coef[0] = 'heavy';
    expect(() => loadArtifact(Buffer.from(JSON.stringify(a)), 'models:/x/7 (run abc)')).toThrow(
      expect.objectContaining({ code: 'ARTIFACT_UNREADABLE', message: expect.stringMatching(/models:\/x\/7 \(run abc\).*coef/) }),
    );
  });

  it('a champion set by hand is explained by that decision, not by an older validation verdict', async () => {
    const model = `${MODEL}-by-hand`;
    const [strong, weak] = await registerLadder(tracker, artifact, model, 'champion-cases', [99, 1]);
    const run = (candidate: string) => validate({ candidate, lake, tracking: uri, registeredModel: model, bootstrap: 100, workDir: dir });
    expect((await run(strong.ref)).promoted).toBe(true);
    const refused = await run(weak.ref);
    expect(refused.promoted).toBe(false);
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['promote', weak.version, '--reason', 'risk committee override', '--tracking', uri, '--registered-model', model], {})).toBe(0);
    } finally {
      stdout.mockRestore();
    }
    const json = await champion(model);
    expect(JSON.parse(json.out)).toMatchObject({
      champion: { version: weak.version, decision: { by: 'promote', reason: 'risk committee override', replaced: strong.version } },
    });
    const human = await champion(model, false);
    expect(human.out).toMatch(/why: \[PROMOTE\] risk committee override/);
    expect(human.out).not.toMatch(new RegExp(`why: \\[${refused.decision.code}\\]`));
  }, 600_000);
});
