/**
 * Serializes alias moves of one registered model across processes and hosts, on any registry. Neither MLflow nor
 * the embedded store can compare-and-set an alias, but both number model versions atomically (MLflow's SQL store
 * by the versions table's primary key, the embedded store in one immediate SQLite transaction), so the lock is a
 * ticket lock built from registry calls alone: each holder registers a version of `<model>.alias-lock` (its
 * ticket) and holds the lock once every earlier ticket is released (`fraudops.lock.released`) or abandoned (its
 * holder stopped renewing `fraudops.lock.expires` before finishing). Holders and waiters renew every ttl/3, so only
 * a crashed or frozen process loses its place, and `assertHeld()` fences a holder that froze past its ttl.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { FraudopsError, isFraudopsError } from '../errors.js';
import type { AliasLock, AliasLockOptions, ModelRegistry, ModelVersion } from './ModelRegistry.js';

export type { AliasLock, AliasLockOptions };

export const ALIAS_LOCK_SUFFIX = '.alias-lock';
const RELEASED = 'fraudops.lock.released';
const EXPIRES = 'fraudops.lock.expires';
const HOLDER = 'fraudops.lock.holder';
const NONCE = 'fraudops.lock.nonce';
const DEFAULT_TTL_MS = 120_000;
const DEFAULT_WAIT_MS = 300_000;
/** Creating a ticket that failed in a way a retry may fix (MLflow's SQL store gives up after 3 version-number collisions). */
const CREATE_ATTEMPTS = 5;

/** Waits for the lock on `name`'s aliases. Backends get it from BaseModelRegistry.lockAliases. */
export async function acquireAliasLock(registry: ModelRegistry, name: string, o: AliasLockOptions): Promise<AliasLock> {
  const ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
  const lockModel = `${name}${ALIAS_LOCK_SUFFIX}`;
  // Creating the lock model is repeatable (ALREADY_EXISTS is success), so a server that drops the request is retried.
  for (let attempt = 1; ; attempt++) {
    try {
      await registry.createRegisteredModel(lockModel, {
        description: `fraudops internal: serializes alias moves (promotions) of ${name}; each version is one holder's ticket`,
        tags: { 'fraudops.internal': 'alias-lock' },
      });
      break;
    } catch (e) {
      if (isFraudopsError(e) && e.code === 'RESOURCE_ALREADY_EXISTS') break;
      if (!isFraudopsError(e) || !e.retriable || attempt >= CREATE_ATTEMPTS) throw e;
      o.signal?.throwIfAborted();
      await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
  const version = await createTicket(registry, lockModel, o, ttlMs);
  const lock = new TicketLock(registry, name, lockModel, Number(version.version), ttlMs, Number(version.tags[EXPIRES] ?? 0));
  try {
    await lock.waitForTurn(o.waitMs ?? DEFAULT_WAIT_MS, o.signal);
    await lock.renew(); // a full ttl for the work under the lock, however long the wait was
  } catch (e) {
    // Not "released": that would tell later tickets every earlier one is done. Abandoned, they walk past it.
    await lock.abandon();
    throw e;
  }
  return lock;
}

/**
 * Registers this holder's ticket. A create that failed may still have landed (a timeout after the server
 * committed), so before trying again the ticket is looked for by its nonce: one holder never has two tickets.
 */
async function createTicket(registry: ModelRegistry, lockModel: string, o: AliasLockOptions, ttlMs: number): Promise<ModelVersion> {
  const nonce = randomBytes(8).toString('hex');
  for (let attempt = 1; ; attempt++) {
    try {
      return await registry.createModelVersion({
        name: lockModel,
        runId: o.runId,
        source: o.source,
        tags: { [EXPIRES]: String(Date.now() + ttlMs), [HOLDER]: `pid ${process.pid} on ${hostname()}`, [NONCE]: nonce },
      });
    } catch (e) {
      if (!isFraudopsError(e) || ['RESOURCE_NOT_FOUND', 'INVALID_PARAMETER', 'TRACKING_PERMISSION_DENIED'].includes(e.code) || attempt >= CREATE_ATTEMPTS) throw e;
      const landed = (await registry.searchModelVersions(lockModel).catch(() => [])).find((v) => v.tags[NONCE] === nonce);
      if (landed) return landed;
      o.signal?.throwIfAborted();
      await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
    }
  }
}

class TicketLock implements AliasLock {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    readonly name: string,
    private readonly lockModel: string,
    readonly ticket: number,
    private readonly ttlMs: number,
    /** When this hold runs out, as last written by this holder. */
    private expiresAt: number,
  ) {
    this.timer = setInterval(() => void this.renew().catch(() => undefined), Math.max(100, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  async renew(): Promise<void> {
    const next = Date.now() + this.ttlMs;
    await this.registry.setModelVersionTag(this.lockModel, String(this.ticket), EXPIRES, String(next));
    this.expiresAt = next;
  }

  async abandon(): Promise<void> {
    this.stopRenewing();
    await this.registry.setModelVersionTag(this.lockModel, String(this.ticket), EXPIRES, '0').catch(() => undefined);
  }

  async release(): Promise<void> {
    this.stopRenewing();
    await this.registry.setModelVersionTag(this.lockModel, String(this.ticket), RELEASED, String(Date.now()));
  }

  assertHeld(): void {
    if (Date.now() > this.expiresAt - this.ttlMs / 3) {
      throw new FraudopsError('PROMOTION_BUSY', `the lock on ${this.name}'s aliases ran out under this process (it was stalled); no alias was moved, rerun`, {
        context: { lockModel: this.lockModel, ticket: this.ticket },
        retriable: true,
      });
    }
  }

  private stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Waits until every earlier ticket is released or abandoned: walks down from the ticket before ours to the first
   * released one (a released ticket held the lock, so everything before it is done or abandoned).
   */
  async waitForTurn(waitMs: number, signal?: AbortSignal): Promise<void> {
    const until = Date.now() + waitMs;
    let delay = 50;
    let floor = this.ticket - 1;
    while (floor >= 1) {
      signal?.throwIfAborted();
      const v = await this.registry.getModelVersion(this.lockModel, String(floor));
      if (v.tags[RELEASED] !== undefined) return;
      if (Number(v.tags[EXPIRES] ?? 0) < Date.now()) {
        floor--;
        continue;
      }
      if (Date.now() > until) {
        throw new FraudopsError(
          'PROMOTION_BUSY',
          `another promotion of ${this.name} (${v.tags[HOLDER] ?? 'unknown holder'}, ticket ${floor}) has held the lock on its aliases for over ${Math.round(waitMs / 1000)} s; nothing was changed, rerun later`,
          { context: { lockModel: this.lockModel, ticket: this.ticket, holder: floor }, retriable: true },
        );
      }
      await sleep(delay);
      delay = Math.min(1000, delay * 2);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
