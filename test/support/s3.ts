/**
 * The real S3 API server for integration tests (moto, started by `scripts/services.sh up s3`). Tests get a
 * fresh bucket and the standard AWS_* environment pointing at the server, exactly as a user configures the CLI.
 * An unreachable server fails the test with instructions; it never skips.
 */
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export const S3_ENDPOINT = process.env.FRAUDOPS_TEST_S3_ENDPOINT ?? 'http://127.0.0.1:9090';

/** Points the standard AWS_* variables at the test server (what `fraudops` reads). */
export function useTestS3Env(): void {
  process.env.AWS_ENDPOINT_URL = S3_ENDPOINT;
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_REGION ??= 'us-east-1';
}

function admin(): S3Client {
  return new S3Client({
    endpoint: S3_ENDPOINT,
    region: process.env.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    // Only the checksums the API requires: S3-compatible servers reject the SDK's newer defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test' },
  });
}

export async function createTestBucket(prefix: string): Promise<string> {
  try {
    await fetch(S3_ENDPOINT, { signal: AbortSignal.timeout(5000) });
  } catch (e) {
    throw new Error(`S3 API server not reachable at ${S3_ENDPOINT} (${String((e as Error).cause ?? e)}); start it with \`bash scripts/services.sh up s3\``);
  }
  const bucket = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const client = admin();
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

export async function deleteTestBucket(bucket: string): Promise<void> {
  const client = admin();
  try {
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      token = page.NextContinuationToken;
    } while (token);
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    /* the server is gone; nothing to clean */
  } finally {
    client.destroy();
  }
}
