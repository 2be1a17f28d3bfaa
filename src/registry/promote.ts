/**
 * Manual registry decisions, each recorded as evidence: `promote` makes a version the champion outside the
 * statistical gate (the reason is required), `rollback` returns the champion alias to `previous-champion`.
 * Evidence goes on the versions' tags (`promotion.*`, next to validation's `validation.*`) and into a FINISHED run
 * of the experiment (stage `promote`/`rollback`), so the history is in the registry and in MLflow's run list.
 * The previous champion becomes `previous-champion`, so a rollback after a rollback goes forward again.
 */
import { hostname, userInfo } from 'node:os';
import { FraudopsError, isFraudopsError } from '../errors.js';
import { ALIASES, DEFAULT_EXPERIMENT, DEFAULT_REGISTERED_MODEL, TAGS } from '../models/conventions.js';
import type { ModelVersion } from '../tracking/ModelRegistry.js';
import type { Tracking } from '../tracking/Tracking.js';
import { withRun } from '../tracking/withRun.js';
import { getVersion } from './models.js';
import { championMoved, moveChampion } from './moveChampion.js';

export interface RegistryDecision {
  action: 'promote' | 'rollback';
  registeredModel: string;
  /** The champion after the decision. */
  champion: string;
  /** The champion before it (now `previous-champion`), if there was one. */
  previousChampion?: string;
  reason: string;
  /** The run recording the decision. */
  runId: string;
  at: string;
  by: string;
}

export interface PromoteOptions {
  version: string;
  reason: string;
  registeredModel?: string;
  experiment?: string;
}

/** Makes `version` the champion; the current champion becomes previous-champion. */
export async function promote(tracking: Tracking, o: PromoteOptions): Promise<RegistryDecision> {
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const reason = checkedReason(o.reason);
  const target = await getVersion(tracking, registeredModel, o.version);
  const current = await byAlias(tracking, registeredModel, ALIASES.champion);
  if (current?.version === target.version) {
    throw new FraudopsError('ALREADY_CHAMPION', `${registeredModel} version ${target.version} is already the champion; nothing changed`, {
      context: { registeredModel, version: target.version },
    });
  }
  return decide(tracking, 'promote', registeredModel, target, current, reason, o.experiment);
}

/** Returns champion to previous-champion; the demoted version becomes previous-champion. */
export async function rollback(tracking: Tracking, o: { reason?: string; registeredModel?: string; experiment?: string } = {}): Promise<RegistryDecision> {
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const reason = o.reason === undefined ? 'rollback' : checkedReason(o.reason);
  const previous = await byAlias(tracking, registeredModel, ALIASES.previousChampion);
  if (!previous) {
    throw new FraudopsError('NO_PREVIOUS_CHAMPION', `${registeredModel} has no ${ALIASES.previousChampion} to roll back to; \`fraudops promote <version> --reason ...\` picks one by hand`, {
      context: { registeredModel },
    });
  }
  const current = await byAlias(tracking, registeredModel, ALIASES.champion);
  return decide(tracking, 'rollback', registeredModel, previous, current, reason, o.experiment);
}

async function decide(
  tracking: Tracking,
  action: 'promote' | 'rollback',
  registeredModel: string,
  target: ModelVersion,
  current: ModelVersion | undefined,
  reason: string,
  experiment = DEFAULT_EXPERIMENT,
): Promise<RegistryDecision> {
  const at = new Date().toISOString();
  const by = `${user()}@${hostname()}`;
  return withRun(
    tracking.runs,
    { experimentName: experiment, runName: `${action}-v${target.version}`, tags: { [TAGS.stage]: action } },
    async (run) => {
      const evidence: Record<string, string> = {
        [`${TAGS.promotionPrefix}action`]: action,
        [`${TAGS.promotionPrefix}reason`]: reason,
        [`${TAGS.promotionPrefix}at`]: at,
        [`${TAGS.promotionPrefix}by`]: by,
        [`${TAGS.promotionPrefix}replaced`]: current?.version ?? 'none',
        [`${TAGS.promotionPrefix}run_id`]: run.runId,
      };
      await tracking.runs.logBatch(run.runId, {
        params: { 'registry.model': registeredModel, 'registry.champion': target.version, 'registry.replaced': current?.version ?? 'none' },
        tags: evidence,
      });
      // Under the registry's alias lock: the champion (and, for a rollback, previous-champion) must still be what
      // this decision was made against, or nothing is written. Evidence first, aliases last.
      const outcome = await moveChampion(tracking.registry, {
        registeredModel,
        target: target.version,
        expectedChampion: current?.version,
        ...(action === 'rollback' ? { expectedPrevious: target.version } : {}),
        runId: run.runId,
        source: run.artifactUri,
        evidence: async () => {
          for (const [k, v] of Object.entries(evidence)) await tracking.registry.setModelVersionTag(registeredModel, target.version, k, v);
        },
      });
      if (!outcome.moved) {
        if (outcome.champion !== current?.version) throw championMoved(registeredModel, `${action} to version ${target.version}`, current?.version, outcome.champion);
        throw new FraudopsError(
          'CHAMPION_MOVED',
          `${registeredModel}: previous-champion moved from version ${target.version} to ${outcome.previousChampion ?? 'none'} while the rollback was being decided; nothing was changed, rerun`,
          { context: { registeredModel, expected: target.version, previousChampion: outcome.previousChampion ?? 'none' }, retriable: true },
        );
      }
      return {
        action,
        registeredModel,
        champion: target.version,
        ...(current ? { previousChampion: current.version } : {}),
        reason,
        runId: run.runId,
        at,
        by,
      };
    },
  );
}

async function byAlias(tracking: Tracking, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await tracking.registry.getModelVersionByAlias(name, alias);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') return undefined;
    throw e;
  }
}

function checkedReason(reason: string | undefined): string {
  const r = (reason ?? '').trim();
  if (r === '') throw new FraudopsError('CONFIG_INVALID', '--reason is required and must say why (it is recorded as evidence)', { context: { field: 'reason' } });
  if (r.length > 1000) throw new FraudopsError('CONFIG_INVALID', '--reason is longer than 1000 characters', { context: { field: 'reason' } });
  return r;
}

function user(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
