/**
 * The one way fraudops moves the `champion` alias (validate's promotion, `promote`, `rollback`): under the
 * registry's alias lock, re-read the champion and move it only if it is still the one the decision was made
 * against. Of two decisions made against the same champion, exactly one moves it; the other learns where the
 * champion went instead of overwriting it from a stale view. The decision's evidence is written under the lock,
 * after the re-check and before the aliases move, so the versions' evidence always tells the history that
 * happened; `previous-champion` moves first and `champion` last, so a failure before the end changes nothing
 * users see.
 */
import { FraudopsError, isFraudopsError } from '../errors.js';
import { ALIASES } from '../models/conventions.js';
import type { ModelRegistry } from '../tracking/ModelRegistry.js';
import { failpoint } from '../util/failpoint.js';

export interface ChampionMove {
  registeredModel: string;
  /** The version to make champion. */
  target: string;
  /** The champion the decision was made against (undefined: there was none). */
  expectedChampion: string | undefined;
  /** Also require `previous-champion` to be unchanged (a rollback's target is read from it). */
  expectedPrevious?: string | undefined;
  /** The run doing the move (and a location of its artifacts): the lock's ticket is registered against it. */
  runId: string;
  source: string;
  /** Writes the decision's evidence; runs under the lock, after the re-check, before any alias moves. */
  evidence?: () => Promise<void>;
  signal?: AbortSignal;
  /** Lock timings (tests shorten them). */
  lockTtlMs?: number;
  lockWaitMs?: number;
}

export type MoveOutcome =
  | { moved: true; champion: string; previousChampion: string | undefined }
  /** The champion (or previous-champion) was no longer what the decision saw; nothing was written. */
  | { moved: false; champion: string | undefined; previousChampion: string | undefined };

export async function moveChampion(registry: ModelRegistry, m: ChampionMove): Promise<MoveOutcome> {
  const lock = await registry.lockAliases(m.registeredModel, {
    runId: m.runId,
    source: m.source,
    signal: m.signal,
    ...(m.lockTtlMs ? { ttlMs: m.lockTtlMs } : {}),
    ...(m.lockWaitMs ? { waitMs: m.lockWaitMs } : {}),
  });
  try {
    const champion = await aliasVersion(registry, m.registeredModel, ALIASES.champion);
    const previousChampion = await aliasVersion(registry, m.registeredModel, ALIASES.previousChampion);
    const stale = champion !== m.expectedChampion || ('expectedPrevious' in m && previousChampion !== m.expectedPrevious);
    if (stale) return { moved: false, champion, previousChampion };
    failpoint('champion.after-check'); // tests stall here: without the lock, others would pass the check meanwhile
    await m.evidence?.();
    lock.assertHeld();
    if (champion !== undefined) await registry.setAlias(m.registeredModel, ALIASES.previousChampion, champion);
    await registry.setAlias(m.registeredModel, ALIASES.champion, m.target);
    return { moved: true, champion: m.target, previousChampion: champion };
  } finally {
    await lock.release();
  }
}

/** The version an alias points at, or undefined when it is not set (or the model is not registered). */
export async function aliasVersion(registry: ModelRegistry, registeredModel: string, alias: string): Promise<string | undefined> {
  try {
    return (await registry.getModelVersionByAlias(registeredModel, alias)).version;
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') return undefined;
    throw e;
  }
}

/** The CHAMPION_MOVED error of a decision that lost a race: exit 3, nothing changed, rerun. */
export function championMoved(registeredModel: string, what: string, expected: string | undefined, now: string | undefined): FraudopsError {
  return new FraudopsError(
    'CHAMPION_MOVED',
    `${registeredModel}: the champion moved from ${label(expected)} to ${label(now)} while ${what} was being decided; nothing was changed, rerun to decide against the new champion`,
    { context: { registeredModel, expected: expected ?? 'none', champion: now ?? 'none' }, retriable: true },
  );
}

function label(v: string | undefined): string {
  return v === undefined ? 'none' : `version ${v}`;
}
