/**
 * The tracker contract against a real MLflow server (PostgreSQL store, S3 artifacts through the server's proxy),
 * plus checks that artifacts really land in the S3 bucket. Needs `scripts/services.sh up`; fails, never skips,
 * when the server is not there.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlflowTracker } from '../src/tracking/MlflowTracker.js';
import { runTrackerContract } from '../src/tracking/Tracker.contract.js';
import { TrackingCodes, TrackingError } from '../src/tracking/TrackingError.js';
import { openTracker } from '../src/tracking/openTracker.js';

const MLFLOW_URI = process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050';
const S3_ENDPOINT = process.env.FRAUDOPS_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:9090';
const BUCKET = process.env.FRAUDOPS_TEST_MLFLOW_BUCKET ?? 'mlflow-artifacts';

async function connect(): Promise<MlflowTracker> {
  try {
    return await MlflowTracker.create(MLFLOW_URI);
  } catch (e) {
    if (e instanceof TrackingError && e.code === TrackingCodes.UNAVAILABLE) {
      throw new Error(`MLflow is not reachable at ${MLFLOW_URI}: run scripts/services.sh up (postgres, s3, mlflow) first`, { cause: e });
    }
    throw e;
  }
}

describe('tracking > mlflow > server', () => {
  it('answers at FRAUDOPS_TEST_MLFLOW_URI', async () => {
    const t = await connect();
    expect(t.uri).toBe(MLFLOW_URI.replace(/\/+$/, ''));
    await t.close();
  });
});

runTrackerContract({ name: 'mlflow', newTracker: connect });

describe('tracking > mlflow > artifacts land in S3', () => {
  let t: MlflowTracker;
  const s3 = new S3Client({
    endpoint: S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  beforeAll(async () => {
    t = await connect();
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    s3.destroy();
  });

  it('an uploaded artifact is in the server listing and in the bucket, byte for byte', async () => {
    const exp = await t.getOrCreateExperiment('s3-landing');
    const run = await t.createRun({ experimentId: exp.experimentId, runName: 's3' });
    expect(run.artifactUri).toMatch(/^mlflow-artifacts:/);
    const bytes = randomBytes(4096);
    await t.logArtifact(run.runId, bytes, 'model/weights.bin');

    // The server's own listing (runs artifact API, not the proxy we uploaded through).
    const res = await fetch(`${MLFLOW_URI}/api/2.0/mlflow/artifacts/list?run_id=${run.runId}&path=model`);
    expect(res.ok).toBe(true);
    const listing = (await res.json()) as { files?: { path: string; file_size?: number | string }[] };
    expect(listing.files?.map((f) => [f.path, Number(f.file_size)])).toEqual([['model/weights.bin', 4096]]);

    // Straight from the bucket: <experiment>/<run>/artifacts/<path>.
    const key = `${exp.experimentId}/${run.runId}/artifacts/model/weights.bin`;
    const objects = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${exp.experimentId}/${run.runId}/` }));
    expect(objects.Contents?.map((o) => o.Key)).toEqual([key]);
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(Buffer.compare(Buffer.from(await got.Body!.transformToByteArray()), bytes)).toBe(0);
    await t.endRun(run.runId);
  });

  it('openTracker picks the MLflow backend for http URIs and for MLFLOW_TRACKING_URI', async () => {
    const direct = await openTracker(MLFLOW_URI);
    expect(direct).toBeInstanceOf(MlflowTracker);
    const saved = process.env.MLFLOW_TRACKING_URI;
    process.env.MLFLOW_TRACKING_URI = MLFLOW_URI;
    try {
      expect(await openTracker()).toBeInstanceOf(MlflowTracker);
    } finally {
      if (saved === undefined) delete process.env.MLFLOW_TRACKING_URI;
      else process.env.MLFLOW_TRACKING_URI = saved;
    }
  });
});
