/**
 * Serialized promotion: N validations at once, on the embedded tracker and on the real MLflow server, each over a
 * lake in a local directory and the same lake in a bucket of the real S3 API server, end with
 * `champion` and `previous-champion` equal to some serial order of the same decisions. Each promotion that
 * reports `promoted: true` was compared with the champion it replaced (the promotions form one chain from the
 * starting champion), so none is lost and no worse model ends up champion. The candidates are a ladder of
 * models of increasing quality, all better than the starting champion.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAMPION, PREVIOUS_CHAMPION, validate, type ValidateResult } from '../../src/promotion/validate.js';
import { openRunView, type RunView } from '../support/runView.js';
import { train } from '../../src/training/train.js';
import { smallLake } from '../support/handbookLake.js';
import { ARTIFACT_PATH, registerLadder, type Rung } from './support/modelLadder.js';
import { openStore } from '../../src/storage/openStore.js';
import { createTestBucket, deleteTestBucket, useTestS3Env } from '../support/s3.js';

const MLFLOW_URI = (process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050').replace(/\/+$/, '');
const SUFFIX = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

let dir: string;
let lake: string;
let s3Lake: string;
let bucket: string | undefined;
let artifact: Buffer;

/** Copies every object of the local lake to `s3://bucket/lake`, byte for byte. */
async function copyLake(from: string, to: string): Promise<void> {
  const src = await openStore(from);
  const dst = await openStore(to);
  try {
    for (const o of await src.list('')) await dst.write(o.key, await src.readBytes(o.key));
  } finally {
    await src.close();
    await dst.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'validate-race-'));
  lake = await smallLake();
  useTestS3Env();
  bucket = await createTestBucket('validate-race');
  s3Lake = `s3://${bucket}/lake`;
  await copyLake(lake, s3Lake);
  const trained = await train({ lake, model: 'logreg', folds: 1, tracking: join(dir, 'trained'), workDir: dir, seed: 1 });
  const t = await openRunView(join(dir, 'trained'));
  artifact = await t.downloadArtifact(trained.runId, ARTIFACT_PATH);
  await t.close();
}, 900_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (bucket) await deleteTestBucket(bucket);
});

/**
 * The promotions must form one chain from the starting champion: each promoted result compared against the
 * champion the previous promotion installed, the last one is `champion` and the one before it
 * `previous-champion`. Results that did not promote compared against some champion of that chain.
 */
function expectSerialOrder(start: string, results: ValidateResult[], final: Record<string, string>): void {
  const promoted = results.filter((r) => r.promoted);
  const chain = [start];
  const used = new Set<ValidateResult>();
  for (;;) {
    const next = promoted.find((r) => !used.has(r) && r.champion?.version === chain.at(-1));
    if (!next) break;
    used.add(next);
    chain.push(next.candidate.version!);
  }
  expect(used.size, `promotions that replaced a champion other than the one before them: ${JSON.stringify(promoted.map((r) => [r.champion?.version, r.candidate.version]))}`).toBe(promoted.length);
  expect(final[CHAMPION]).toBe(chain.at(-1));
  if (chain.length > 1) expect(final[PREVIOUS_CHAMPION]).toBe(chain.at(-2));
  for (const r of results) expect(chain).toContain(r.champion?.version);
}

const trackers = [
  { name: 'embedded', uri: () => join(dir, 'race-tracking') },
  { name: 'mlflow', uri: () => MLFLOW_URI },
];
const lakes = [
  { name: 'local lake', uri: () => lake },
  { name: 'S3 lake', uri: () => s3Lake },
];
// The lake is only read by a validation, the registry is where they race: every tracker over a local lake, and
// the production pairing (MLflow, lake in S3) once more; the embedded tracker over S3 adds time, not cases.
const variants = [...trackers.map((t) => ({ t, l: lakes[0] })), { t: trackers[1], l: lakes[1] }];

for (const { t, l } of variants) {
  describe(`validate > serialized promotion (${t.name}, ${l.name})`, () => {
    let tracker: RunView;
    let rungs: Rung[];
    const model = `fraudops-race-${t.name}-${l.name.split(' ')[0]}-${SUFFIX}`;

    beforeAll(async () => {
      tracker = await openRunView(t.uri());
      rungs = await registerLadder(tracker, artifact, model, `fraudops-race-${SUFFIX}`, [1, 4, 8, 99]);
      await tracker.setAlias(model, CHAMPION, rungs[0].version);
    }, 300_000);
    afterAll(async () => tracker?.close());

    it('N validations at once end in a serial order of their decisions', async () => {
      const candidates = rungs.slice(1);
      const results = await Promise.all(
        candidates.map((r) => validate({ candidate: r.ref, lake: l.uri(), tracking: t.uri(), registeredModel: model, bootstrap: 100, workDir: dir })),
      );
      const final = (await tracker.getRegisteredModel(model)).aliases;
      expectSerialOrder(rungs[0].version, results, final);
      expect(results.filter((r) => r.promoted).length).toBeGreaterThanOrEqual(1);
    }, 600_000);
  });
}
