/**
 * S3 that misbehaves, through a stand-in proxy in front of the real S3 API server (test/support/s3StandIn.ts):
 * empty 200s, bodies cut short, 500s, answers that never come and sockets closed without a word. Each gives a
 * StorageError with a code (STORAGE_UNAVAILABLE, retriable, for the faults a retry may fix), never a raw SDK
 * error, a hang or short data passed off as whole; a fault that clears is retried to success. Through the CLI,
 * `prepare` onto a lake behind the stand-in fails with one coded line and exit 1 when S3 keeps failing, and
 * commits the whole lake when the faults clear.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generator/generate.js';
import { CommitLog } from '../../src/lake/CommitLog.js';
import { S3Store } from '../../src/storage/S3Store.js';
import { runCli } from './support/lakeRace.js';
import { createTestBucket, deleteTestBucket, S3_ENDPOINT } from '../support/s3.js';
import { startS3StandIn, type S3StandIn } from '../support/s3StandIn.js';

let bucket: string;
let standIn: S3StandIn;
let store: S3Store;
const body = Buffer.from('transaction_id,tx_datetime\n'.repeat(4000));

beforeAll(async () => {
  bucket = await createTestBucket('s3-standin');
  standIn = await startS3StandIn(S3_ENDPOINT);
  store = await S3Store.create(`s3://${bucket}/lake`, {
    endpoint: standIn.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestTimeoutMs: 2_000,
  });
  await store.write('day/a.txt', body);
}, 60_000);
afterEach(() => {
  standIn.faults.length = 0;
});
afterAll(async () => {
  await store?.close();
  await standIn?.close();
  await deleteTestBucket(bucket);
});

async function failure(p: Promise<unknown>): Promise<{ code?: string; retriable?: boolean; name?: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; retriable?: boolean; name?: string };
    return { code: err.code, retriable: err.retriable, name: err.name };
  }
  throw new Error('expected a failure');
}

const GET_OBJECT = { method: 'GET', path: /\/day\/a\.txt$/ };
const LIST = { method: 'GET', query: /list-type=2/ };

describe('storage > s3 > misbehaving server (stand-in)', () => {
  it('a 500 or a closed socket that clears is retried: the read succeeds whole', async () => {
    for (const kind of ['status-500', 'closed-socket'] as const) {
      const fault = { kind, ...GET_OBJECT, times: 2 };
      standIn.faults.push(fault);
      expect((await store.readBytes('day/a.txt')).equals(body), kind).toBe(true);
      expect(standIn.hits.get(fault), kind).toBe(2);
      standIn.faults.length = 0;
    }
  });

  it('a 500 or a closed socket that persists is STORAGE_UNAVAILABLE, retriable', async () => {
    for (const kind of ['status-500', 'closed-socket'] as const) {
      standIn.faults.push({ kind, ...GET_OBJECT });
      expect(await failure(store.readBytes('day/a.txt')), kind).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });
      standIn.faults.push({ kind, ...LIST });
      expect(await failure(store.list('day/')), kind).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });
      standIn.faults.length = 0;
    }
  });

  it('an answer that never comes times out as STORAGE_UNAVAILABLE instead of hanging', async () => {
    standIn.faults.push({ kind: 'slow', ...GET_OBJECT });
    const started = Date.now();
    expect(await failure(store.readBytes('day/a.txt'))).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });
    expect(Date.now() - started).toBeLessThan(30_000);
    standIn.faults.length = 0;
    standIn.faults.push({ kind: 'slow', ...LIST });
    expect(await failure(store.list('day/'))).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });
  }, 60_000);

  it('a slow answer within the timeout is simply slow', async () => {
    standIn.faults.push({ kind: 'slow', ...GET_OBJECT, delayMs: 500 });
    expect((await store.readBytes('day/a.txt')).equals(body)).toBe(true);
  });

  it('an object body cut short is an error, never short data', async () => {
    standIn.faults.push({ kind: 'truncated-body', ...GET_OBJECT });
    expect(await failure(store.readBytes('day/a.txt'))).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });
  });

  it('a listing cut short or empty is a coded error, not an empty listing', async () => {
    standIn.faults.push({ kind: 'truncated-body', ...LIST });
    expect((await failure(store.list('day/'))).code).toMatch(/^STORAGE_/);
    standIn.faults.length = 0;
    standIn.faults.push({ kind: 'empty-200', ...LIST });
    expect(await failure(store.list('day/'))).toMatchObject({ code: 'STORAGE_PROTOCOL', retriable: true });
  });

  it('an empty 200 for an object read or head is STORAGE_PROTOCOL, not an empty object', async () => {
    standIn.faults.push({ kind: 'empty-200', ...GET_OBJECT });
    expect(await failure(store.readBytes('day/a.txt'))).toMatchObject({ code: 'STORAGE_PROTOCOL', retriable: true });
    standIn.faults.length = 0;
    standIn.faults.push({ kind: 'empty-200', method: 'HEAD', path: /\/day\/a\.txt$/ });
    expect(await failure(store.head('day/a.txt'))).toMatchObject({ code: 'STORAGE_PROTOCOL', retriable: true });
  });

  it('a write the server claims but did not store is an error', async () => {
    standIn.faults.push({ kind: 'empty-200', method: 'PUT', path: /\/day\/b\.txt$/ });
    expect(await failure(store.write('day/b.txt', body))).toMatchObject({ code: 'STORAGE_PROTOCOL', retriable: true });
  });
});

describe('storage > s3 > misbehaving server (stand-in) > prepare', () => {
  let dir: string;
  let raw: string;
  const env = () => ({
    AWS_ENDPOINT_URL: standIn.url,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    FRAUDOPS_S3_REQUEST_TIMEOUT_MS: '2000',
  });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 's3-standin-prepare-'));
    raw = join(dir, 'raw');
    await generate({ out: raw, days: 2, customers: 100, terminals: 200, seed: 5 });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('S3 that keeps answering 500 to the lake\'s writes: one coded line, exit 1, no stack trace', async () => {
    standIn.faults.push({ kind: 'status-500', method: 'PUT' });
    const r = await runCli(['prepare', '--raw', raw, '--lake', `s3://${bucket}/failing`, '--work-dir', dir], env()).done;
    expect(r.code, r.stderr).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error['));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error\[STORAGE_UNAVAILABLE\]/);
    expect(r.stderr).not.toMatch(/INTERNAL|\n\s+at /);
  }, 180_000);

  it('faults that clear (500s, closed sockets, a slow answer) are retried: the lake is committed whole', async () => {
    const faults = [
      { kind: 'status-500', method: 'PUT', times: 2 },
      { kind: 'closed-socket', method: 'GET', times: 2 },
      { kind: 'slow', method: 'HEAD', times: 1, delayMs: 500 },
    ] as const;
    standIn.faults.push(...faults.map((f) => ({ ...f })));
    const pushed = standIn.faults.slice();
    const lake = `s3://${bucket}/recovering`;
    const r = await runCli(['prepare', '--raw', raw, '--lake', lake, '--work-dir', dir, '--json'], env()).done;
    expect(r.code, r.stderr).toBe(0);
    // Every fault was met (and retried past).
    for (const f of pushed) expect(standIn.hits.get(f), f.kind).toBe(f.times);
    const lakeStore = await S3Store.create(lake, { endpoint: S3_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    try {
      expect((await CommitLog.load(lakeStore)).commits.length).toBe(2);
    } finally {
      await lakeStore.close();
    }
  }, 180_000);
});
