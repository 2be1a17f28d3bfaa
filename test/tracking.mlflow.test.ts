/**
 * The three tracking contracts against real MLflow servers on PostgreSQL: one proxying artifacts to S3
 * (`mlflow-artifacts:` URIs) and one started with --no-serve-artifacts and an s3:// root, whose clients write
 * artifacts straight to the bucket. Both checked in the bucket itself. Needs `scripts/services.sh up`; fails,
 * never skips, when a server is not there.
 */
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runArtifactRepositoryContract } from '../src/tracking/ArtifactRepository.contract.js';
import { runModelRegistryContract } from '../src/tracking/ModelRegistry.contract.js';
import { runRunTrackerContract } from '../src/tracking/RunTracker.contract.js';
import type { Tracking } from '../src/tracking/Tracking.js';
import { TrackingCodes, TrackingError } from '../src/tracking/TrackingError.js';
import { openTracking } from '../src/tracking/openTracking.js';
import { S3_ENDPOINT, useTestS3Env } from './support/s3.js';

const MLFLOW_URI = process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050';
const DIRECT_URI = process.env.FRAUDOPS_TEST_MLFLOW_DIRECT_URI ?? 'http://127.0.0.1:5051';
const PROXY_BUCKET = 'mlflow-artifacts';

async function connect(uri: string): Promise<Tracking> {
  try {
    return await openTracking(uri);
  } catch (e) {
    if (e instanceof TrackingError && e.code === TrackingCodes.UNAVAILABLE) {
      throw new Error(`MLflow is not reachable at ${uri}: run scripts/services.sh up (postgres, s3, mlflow) first`, { cause: e });
    }
    throw e;
  }
}

const s3 = new S3Client({
  endpoint: S3_ENDPOINT,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
async function readBucket(bucket: string, key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await got.Body!.transformToByteArray());
}
afterAll(() => s3.destroy());

/** A fresh run on `uri`, and the repository of its artifact root. */
async function runRepository(uri: string) {
  const t = await connect(uri);
  const exp = await t.runs.getOrCreateExperiment(`artifacts-${randomBytes(3).toString('hex')}`);
  const run = await t.runs.createRun({ experimentId: exp.experimentId });
  return { repo: await t.artifacts(run.artifactUri), run, exp };
}

runRunTrackerContract({ name: 'mlflow', open: () => connect(MLFLOW_URI) });
runModelRegistryContract({ name: 'mlflow', open: () => connect(MLFLOW_URI) });
runArtifactRepositoryContract({
  name: 'mlflow proxy',
  newRepository: async () => (await runRepository(MLFLOW_URI)).repo,
  // mlflow-artifacts:/<exp>/<run>/artifacts lands in the proxy's bucket under the same key.
  readBehind: (root, path) => readBucket(PROXY_BUCKET, `${root.replace(/^mlflow-artifacts:(\/\/[^/]*)?\/*/, '')}/${path}`),
});

describe('tracking > mlflow > no artifact proxy', () => {
  beforeAll(() => useTestS3Env());
  runRunTrackerContract({ name: 'mlflow --no-serve-artifacts', open: () => connect(DIRECT_URI) });
  runArtifactRepositoryContract({
    name: 'mlflow --no-serve-artifacts (straight to S3)',
    newRepository: async () => {
      const { repo } = await runRepository(DIRECT_URI);
      expect(repo.uri).toMatch(/^s3:\/\/mlflow-direct\//);
      return repo;
    },
    readBehind: (root, path) => {
      const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(root)!;
      return readBucket(m[1], `${m[2]}/${path}`);
    },
  });

  it('a run on the server without a proxy gets an s3:// artifact URI; the server lists what the client wrote', async () => {
    const { repo, run } = await runRepository(DIRECT_URI);
    expect(run.artifactUri).toBe(`s3://mlflow-direct/${run.experimentId}/${run.runId}/artifacts`);
    await repo.logArtifact(Buffer.from('{"w":[1]}'), 'model/model.fraudops.json');
    // MLflow's own view of the run's artifacts (the server reads the bucket itself).
    const res = await fetch(`${DIRECT_URI}/api/2.0/mlflow/artifacts/list?run_id=${run.runId}&path=model`);
    const listing = (await res.json()) as { files?: { path: string }[] };
    expect(listing.files?.map((f) => f.path)).toEqual(['model/model.fraudops.json']);
  });
});

describe('tracking > mlflow > opening', () => {
  it('openTracking picks the MLflow backend for http URIs and for MLFLOW_TRACKING_URI', async () => {
    const direct = await openTracking(MLFLOW_URI);
    expect(direct.uri).toBe(MLFLOW_URI.replace(/\/+$/, ''));
    const viaEnv = await openTracking(undefined, { env: { MLFLOW_TRACKING_URI: MLFLOW_URI } });
    expect(viaEnv.uri).toBe(direct.uri);
    const exp = await viaEnv.runs.getOrCreateExperiment('opening');
    expect(exp.artifactLocation).toMatch(/^mlflow-artifacts:/);
  });
});
