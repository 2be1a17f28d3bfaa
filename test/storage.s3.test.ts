/**
 * The ObjectStore contract against a real S3 API server (moto from `scripts/services.sh up s3`, or any endpoint in
 * FRAUDOPS_TEST_S3_ENDPOINT). Each run works in a fresh bucket, removed afterwards. An unreachable server is a
 * failure with instructions, never a skip: a silently skipped backend is an untested backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../src/errors.js';
import { runObjectStoreContract } from '../src/storage/ObjectStore.contract.js';
import { openStore } from '../src/storage/openStore.js';
import type { S3StoreOptions } from '../src/storage/s3Config.js';
import { S3Store } from '../src/storage/S3Store.js';
import { S3_ENDPOINT, createTestBucket, deleteTestBucket } from './support/s3.js';

const endpoint = S3_ENDPOINT;
const s3Options: S3StoreOptions = {
  endpoint,
  region: process.env.AWS_REGION ?? 'us-east-1',
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  },
};
let bucket = '';

let ready: Promise<void> | undefined;
/** Creates the run's bucket once; an unreachable server fails every test with instructions. */
function serverReady(): Promise<void> {
  ready ??= createTestBucket('fraudops-test').then((b) => {
    bucket = b;
  });
  return ready;
}

beforeAll(async () => {
  await serverReady().catch(() => undefined); // reported by the first test instead of as a hook error
});

afterAll(async () => {
  if (bucket) await deleteTestBucket(bucket);
});

let n = 0;
async function newStore(): Promise<S3Store> {
  await serverReady();
  return S3Store.create(`s3://${bucket}/contract/${n++}`, s3Options, {});
}

describe('storage > s3', () => {
  it('reaches the S3 API server', async () => {
    await serverReady();
  });
});

runObjectStoreContract({ name: 'storage > s3', newStore });

describe('storage > s3', () => {
  it('opens s3:// URIs through openStore with settings from the environment', async () => {
    await serverReady();
    const env = {
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: s3Options.credentials && 'accessKeyId' in s3Options.credentials ? s3Options.credentials.accessKeyId : 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };
    const saved = { ...process.env };
    Object.assign(process.env, env); // the SDK's credential chain reads process.env itself
    try {
      const store = await openStore(`s3://${bucket}/via-open-store/`, { env });
      try {
        expect(store).toBeInstanceOf(S3Store);
        expect(store.uri).toBe(`s3://${bucket}/via-open-store`);
        await store.write('k.txt', 'v');
        expect((await store.readBytes('k.txt')).toString()).toBe('v');
      } finally {
        await store.close();
      }
    } finally {
      for (const k of Object.keys(env)) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it('maps a missing bucket to BUCKET_NOT_FOUND', async () => {
    await serverReady();
    const store = await S3Store.create(`s3://${bucket}-missing/x`, s3Options, {});
    try {
      const err = await store.list('').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('BUCKET_NOT_FOUND');
      expect((err as StorageError).context).toMatchObject({ uri: `s3://${bucket}-missing/x` });
    } finally {
      await store.close();
    }
  });

  it('maps an unreachable endpoint to retriable STORAGE_UNAVAILABLE', async () => {
    const store = await S3Store.create(`s3://${bucket}/x`, { ...s3Options, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }, {});
    try {
      const err = await store.head('k').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageError);
      expect((err as StorageError).code).toBe('STORAGE_UNAVAILABLE');
      expect((err as StorageError).retriable).toBe(true);
      expect((err as StorageError).context).toMatchObject({ key: 'k' });
    } finally {
      await store.close();
    }
  });

  it('deletes more than one batch of 1000 keys', async () => {
    const store = await newStore();
    try {
      const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
      const body = Buffer.alloc(0);
      for (let i = 0; i < keys.length; i += 50) {
        await Promise.all(keys.slice(i, i + 50).map((k) => store.write(k, body)));
      }
      const listed = await store.list('many/');
      expect(listed.map((o) => o.key)).toEqual(keys); // also crosses a ListObjectsV2 page (1000)
      await store.delete(keys);
      expect(await store.list('many/')).toEqual([]);
    } finally {
      await store.close();
    }
  }, 120_000);
});
