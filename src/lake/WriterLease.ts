/**
 * The lake's single-writer lease. A writer holds the lake by creating `_fraudops/leases/<epoch>.json` with
 * create-only semantics (S3 `If-None-Match: *`, a hard link locally), so of two writers taking the same epoch
 * exactly one succeeds. The epoch is the fencing token: it is written into every part key and commit record, and
 * before each commit the holder checks that no later epoch exists and that its lease has not run out. A lease
 * runs out `ttlMs` after its last renewal (renewed every ttl/3 in the background); a holder on this host whose
 * process is gone is dead at once. A writer that finds a live lease fails with LAKE_CONFLICT without touching
 * anything; one that takes over may delete what earlier epochs left uncommitted, and only that.
 *
 * What this relies on: the writers' clocks agree to well within the margin (ttl/3), and a commit record's PUT
 * completes within that margin. A holder frozen longer than its lease is fenced: it commits nothing more.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigError, LakeError, isFraudopsError } from '../errors.js';
import type { ObjectStore } from '../storage/ObjectStore.js';

export const LEASES_PREFIX = '_fraudops/leases/';
export const DEFAULT_LEASE_MS = 60_000;
const LEASE_FORMAT = 1;

interface LeaseRecord {
  format: typeof LEASE_FORMAT;
  epoch: number;
  holder: { host: string; pid: number; id: string };
  acquiredAt: string;
  expiresAt: string;
  released?: boolean;
}

export function leaseKey(epoch: number): string {
  return `${LEASES_PREFIX}${String(epoch).padStart(10, '0')}.json`;
}

function epochOf(key: string): number | undefined {
  const m = /^_fraudops\/leases\/(\d{10})\.json$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** Lease length from FRAUDOPS_LAKE_LEASE_MS (milliseconds), default 60 s. */
export function leaseMsFromEnv(env: Record<string, string | undefined> = process.env): number {
  const v = env.FRAUDOPS_LAKE_LEASE_MS?.trim();
  if (v === undefined || v === '') return DEFAULT_LEASE_MS;
  if (!/^\d+$/.test(v) || Number(v) < 300 || Number(v) > 86_400_000) {
    throw new ConfigError(`FRAUDOPS_LAKE_LEASE_MS must be a whole number of milliseconds between 300 and 86400000, got ${JSON.stringify(v)}`, {
      context: { field: 'FRAUDOPS_LAKE_LEASE_MS' },
    });
  }
  return Number(v);
}

function conflict(message: string, context: Record<string, string | number | undefined>): LakeError {
  return new LakeError('LAKE_CONFLICT', message, { context, retriable: true });
}

export class WriterLease {
  private record: LeaseRecord;
  private lost: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: ObjectStore,
    record: LeaseRecord,
    readonly ttlMs: number,
  ) {
    this.record = record;
  }

  /** The fencing token: strictly greater than every earlier writer's. */
  get epoch(): number {
    return this.record.epoch;
  }

  /**
   * Takes the lake, or fails with LAKE_CONFLICT naming the live holder. Starts background renewal; call
   * `release()` in a finally block.
   */
  static async acquire(store: ObjectStore, options: { ttlMs?: number; signal?: AbortSignal } = {}): Promise<WriterLease> {
    const ttlMs = options.ttlMs ?? leaseMsFromEnv();
    const signal = options.signal;
    const existing = (await store.list(LEASES_PREFIX, signal))
      .map((o) => ({ key: o.key, epoch: epochOf(o.key) }))
      .filter((o): o is { key: string; epoch: number } => o.epoch !== undefined)
      .sort((a, b) => a.epoch - b.epoch);
    const last = existing.at(-1);
    if (last) {
      const current = await readLease(store, last.key, signal);
      if (current && isLive(current)) {
        throw conflict(
          `${store.uri} is being written by another prepare (pid ${current.holder.pid} on ${current.holder.host}, lease until ${current.expiresAt}); rerun when it has finished`,
          { uri: store.uri, holderHost: current.holder.host, holderPid: current.holder.pid, expiresAt: current.expiresAt, epoch: current.epoch },
        );
      }
    }
    const now = Date.now();
    const record: LeaseRecord = {
      format: LEASE_FORMAT,
      epoch: (last?.epoch ?? 0) + 1,
      holder: { host: hostname(), pid: process.pid, id: randomBytes(8).toString('hex') },
      acquiredAt: new Date(now).toISOString(),
      expiresAt: new Date(now + ttlMs).toISOString(),
    };
    try {
      await store.write(leaseKey(record.epoch), serialize(record), { ifNoneMatch: true, contentType: 'application/json', signal });
    } catch (e) {
      if (isFraudopsError(e) && e.code === 'OBJECT_EXISTS') {
        throw conflict(`${store.uri} was taken by another prepare at the same moment; rerun when it has finished`, { uri: store.uri, epoch: record.epoch });
      }
      throw e;
    }
    const lease = new WriterLease(store, record, ttlMs);
    // Older lease records carry no information once a later epoch exists.
    const stale = existing.filter((o) => o.epoch < record.epoch - 1).map((o) => o.key);
    if (stale.length > 0) await store.delete(stale, signal).catch(() => undefined);
    lease.timer = setInterval(() => {
      lease.renewing = lease.renew().catch(() => undefined);
    }, Math.max(100, Math.floor(ttlMs / 3)));
    lease.timer.unref();
    return lease;
  }

  /**
   * The fencing check, run right before a commit record is written: fails with LAKE_CONFLICT when this writer's
   * lease has run out (or is about to, within ttl/3) or a later writer holds the lake.
   */
  async assertHeld(signal?: AbortSignal): Promise<void> {
    await this.renewing;
    if (this.lost) throw this.fenced(this.lost);
    if (Date.now() > Date.parse(this.record.expiresAt) - this.ttlMs / 3) {
      this.lost = `its lease ran out at ${this.record.expiresAt} (the process was stalled)`;
      throw this.fenced(this.lost);
    }
    const later = (await this.store.list(LEASES_PREFIX, signal)).map((o) => epochOf(o.key) ?? 0).filter((e) => e > this.epoch);
    if (later.length > 0) {
      this.lost = `a later writer (epoch ${Math.max(...later)}) took the lake`;
      throw this.fenced(this.lost);
    }
  }

  /** Extends the lease; a lease that has already run out is never revived. */
  async renew(): Promise<void> {
    if (this.lost) return;
    const now = Date.now();
    if (now >= Date.parse(this.record.expiresAt)) {
      this.lost = `its lease ran out at ${this.record.expiresAt} (the process was stalled)`;
      return;
    }
    const next = { ...this.record, expiresAt: new Date(now + this.ttlMs).toISOString() };
    await this.store.write(leaseKey(this.epoch), serialize(next), { contentType: 'application/json' });
    this.record = next;
  }

  /** Stops renewal and marks the lease released so the next writer need not wait for it to run out. */
  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
    if (this.lost) return;
    const done = { ...this.record, released: true, expiresAt: new Date().toISOString() };
    await this.store.write(leaseKey(this.epoch), serialize(done), { contentType: 'application/json' }).catch(() => undefined);
  }

  private fenced(why: string): LakeError {
    return conflict(`this prepare no longer holds ${this.store.uri}: ${why}; nothing more was committed, rerun to continue`, {
      uri: this.store.uri,
      epoch: this.epoch,
    });
  }
}

function serialize(r: LeaseRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

async function readLease(store: ObjectStore, key: string, signal?: AbortSignal): Promise<LeaseRecord | undefined> {
  try {
    return JSON.parse((await store.readBytes(key, signal)).toString('utf8')) as LeaseRecord;
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'OBJECT_NOT_FOUND') return undefined;
    if (e instanceof SyntaxError) {
      // A lease record is written whole (atomic rename / single PUT); unparseable means someone else's file.
      throw new LakeError('LAKE_CORRUPT', `${store.uri}/${key}: writer lease is not valid JSON`, { context: { key } });
    }
    throw e;
  }
}

/** Live: not released, not run out, and not held by a process of this host that no longer exists. */
function isLive(r: LeaseRecord): boolean {
  if (r.released) return false;
  if (Date.now() >= Date.parse(r.expiresAt)) return false;
  if (r.holder.host === hostname() && r.holder.pid !== process.pid) {
    try {
      process.kill(r.holder.pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    }
  }
  return true;
}
