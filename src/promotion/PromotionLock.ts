/**
 * Serializes promotions of one registered model across processes and hosts, on any tracker. Neither MLflow nor
 * the embedded store can compare-and-set an alias, but both number model versions atomically, so the lock is a
 * ticket lock: each promoter registers a version of `<model>.promotion-lock` (its ticket) and holds the lock once
 * every earlier ticket is released (`fraudops.lock.released`) or abandoned (its holder stopped renewing
 * `fraudops.lock.expires` before finishing). Holders and waiters renew every ttl/3, so only a crashed or frozen
 * process loses its place. Inside the lock the promoter re-reads the champion and moves the aliases only if it is
 * still the one it was compared with.
 */
import { hostname } from 'node:os';
import { FraudopsError, isFraudopsError } from '../errors.js';
import type { Tracker } from '../tracking/Tracker.js';

export const LOCK_SUFFIX = '.promotion-lock';
const RELEASED = 'fraudops.lock.released';
const EXPIRES = 'fraudops.lock.expires';
const HOLDER = 'fraudops.lock.holder';
const DEFAULT_TTL_MS = 120_000;
const DEFAULT_WAIT_MS = 300_000;

export interface PromotionLockOptions {
  /** The run the ticket version points at (a version needs one): the candidate being promoted. */
  runId: string;
  artifactPath: string;
  ttlMs?: number;
  /** How long to wait for earlier promotions before failing with PROMOTION_BUSY. */
  waitMs?: number;
  signal?: AbortSignal;
}

export class PromotionLock {
  private timer: NodeJS.Timeout | undefined;
  /** When this holder's ticket runs out, as last written by this holder. */
  private expiresAt = 0;

  private constructor(
    private readonly tracker: Tracker,
    readonly lockModel: string,
    readonly ticket: number,
    private readonly ttlMs: number,
  ) {}

  /** Waits for the lock; call `release()` in a finally block. */
  static async acquire(tracker: Tracker, registeredModel: string, o: PromotionLockOptions): Promise<PromotionLock> {
    const ttlMs = o.ttlMs ?? DEFAULT_TTL_MS;
    const lockModel = `${registeredModel}${LOCK_SUFFIX}`;
    await tracker
      .createRegisteredModel(lockModel, {
        description: `fraudops internal: serializes promotions of ${registeredModel}; each version is one promotion's ticket`,
        tags: { 'fraudops.internal': 'promotion-lock' },
      })
      .catch((e: unknown) => {
        if (!(isFraudopsError(e) && e.code === 'RESOURCE_ALREADY_EXISTS')) throw e;
      });
    const v = await tracker.createModelVersion({
      name: lockModel,
      runId: o.runId,
      artifactPath: o.artifactPath,
      tags: { [EXPIRES]: String(Date.now() + ttlMs), [HOLDER]: `pid ${process.pid} on ${hostname()}` },
    });
    const lock = new PromotionLock(tracker, lockModel, Number(v.version), ttlMs);
    lock.expiresAt = Number(v.tags[EXPIRES] ?? 0);
    lock.timer = setInterval(() => void lock.renew().catch(() => undefined), Math.max(100, Math.floor(ttlMs / 3)));
    lock.timer.unref();
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

  private async abandon(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.tracker.setModelVersionTag(this.lockModel, String(this.ticket), EXPIRES, '0').catch(() => undefined);
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.tracker.setModelVersionTag(this.lockModel, String(this.ticket), RELEASED, String(Date.now()));
  }

  private async renew(): Promise<void> {
    const next = Date.now() + this.ttlMs;
    await this.tracker.setModelVersionTag(this.lockModel, String(this.ticket), EXPIRES, String(next));
    this.expiresAt = next;
  }

  /**
   * The fencing check before the aliases move: fails with PROMOTION_BUSY when this holder's ticket has run out or
   * is about to (within ttl/3) — the process was frozen and a later promotion may already consider it abandoned.
   */
  assertHeld(): void {
    if (Date.now() > this.expiresAt - this.ttlMs / 3) {
      throw new FraudopsError('PROMOTION_BUSY', `this promotion's lock ran out (the process was stalled); nothing was promoted, rerun validate`, {
        context: { lockModel: this.lockModel, ticket: this.ticket },
        retriable: true,
      });
    }
  }

  /** Every earlier ticket released or abandoned. Walks down from the ticket before ours to the first released one. */
  private async waitForTurn(waitMs: number, signal?: AbortSignal): Promise<void> {
    const until = Date.now() + waitMs;
    let delay = 50;
    let floor = this.ticket - 1;
    while (floor >= 1) {
      signal?.throwIfAborted();
      const v = await this.tracker.getModelVersion(this.lockModel, String(floor));
      const released = v.tags[RELEASED] !== undefined;
      const abandoned = Number(v.tags[EXPIRES] ?? 0) < Date.now();
      if (released) return;
      if (abandoned) {
        floor--;
        continue;
      }
      if (Date.now() > until) {
        throw new FraudopsError(
          'PROMOTION_BUSY',
          `another promotion of the model (${v.tags[HOLDER] ?? 'unknown holder'}, ticket ${floor}) has held the promotion lock for over ${Math.round(waitMs / 1000)} s; nothing was promoted, rerun later`,
          { context: { lockModel: this.lockModel, ticket: this.ticket }, retriable: true },
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(1000, delay * 2);
    }
  }
}
