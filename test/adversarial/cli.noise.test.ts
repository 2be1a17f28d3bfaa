/**
 * Noise a user saw on every run: the AWS SDK printed a Node-version warning on every S3 command under Node 20
 * (the SDK warns below Node 22; fraudops supports Node 20 with the SDK versions it locks). On Node 22 or later
 * the SDK says nothing either way, so there this test holds trivially.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBucket, deleteTestBucket, useTestS3Env } from '../support/s3.js';
import { runCli } from './support/lakeRace.js';

let bucket: string;
const dir = mkdtempSync(join(tmpdir(), 'cli-noise-'));
beforeAll(async () => {
  useTestS3Env();
  bucket = await createTestBucket('cli-noise');
}, 60_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (bucket) await deleteTestBucket(bucket);
});

describe('cli > noise', () => {
  it('an S3 command prints no AWS SDK Node-version warning', async () => {
    const r = await runCli(['prepare', '--raw', dir, '--lake', `s3://${bucket}/lake`], { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined }).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|Warning:/);
  }, 60_000);
});
