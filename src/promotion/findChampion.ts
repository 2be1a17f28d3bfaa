/** Resolves what a candidate is compared with, and refuses comparisons that cannot mean anything. */
import { ConfigError, FraudopsError, isFraudopsError } from '../errors.js';
import { aliasVersion } from '../registry/moveChampion.js';
import type { Tracking } from '../tracking/Tracking.js';
import { CHAMPION, PREVIOUS_CHAMPION, resolveModel, type ResolvedModel } from './modelRef.js';

/**
 * What the candidate is compared with. The default alias `champion` missing means the first model, but only when
 * the model never had one (no `previous-champion` either); any other alias or reference must exist.
 */
export async function findChampion(tracking: Tracking, against: string, registeredModel: string, candidate: ResolvedModel): Promise<ResolvedModel | undefined> {
  const isAlias = !(against.includes(':') || /^[0-9a-f]{32}$/.test(against));
  const ref = isAlias ? `models:/${registeredModel}@${against}` : against;
  let champion: ResolvedModel;
  try {
    champion = await resolveModel(tracking, ref, registeredModel);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') {
      if (isAlias && against === CHAMPION) {
        const previous = await aliasVersion(tracking.registry, registeredModel, PREVIOUS_CHAMPION).catch(() => undefined);
        if (previous === undefined) return undefined; // never had a champion: the candidate is the first model
        throw new FraudopsError(
          'CHAMPION_MISSING',
          `${registeredModel} has a previous-champion (version ${previous}) but no champion alias: it was removed; set it again (fraudops promote) before validating. Nothing was promoted`,
          { context: { ref } },
        );
      }
      const aliases = isAlias ? Object.keys((await tracking.registry.getRegisteredModel(registeredModel).catch(() => undefined))?.aliases ?? {}) : [];
      throw new ConfigError(
        `--against ${against}: ${isAlias ? `${registeredModel} has no alias "${against}"${aliases.length ? ` (it has: ${aliases.join(', ')})` : ''}` : 'no such model'}; nothing was compared or promoted`,
        { context: { field: 'against', ref }, cause: e },
      );
    }
    if (isFraudopsError(e) && e.code === 'ARTIFACT_UNREADABLE') {
      throw new FraudopsError('CHAMPION_UNREADABLE', `the champion (${ref}) cannot be loaded: ${e.message}; nothing was promoted`, { cause: e, context: { ref } });
    }
    throw e;
  }
  if (champion.runId === candidate.runId || (champion.version && candidate.version && champion.version.version === candidate.version.version)) {
    throw new ConfigError(`${candidate.ref} is ${ref} itself: a model cannot be validated against itself`, { context: { field: 'candidate', ref } });
  }
  if (champion.artifact.featureSpecHash !== candidate.artifact.featureSpecHash) {
    throw new FraudopsError(
      'FEATURE_SPEC_MISMATCH',
      `candidate (${candidate.ref}) and champion (${champion.ref}) were trained on different feature specs (${candidate.artifact.featureSpecHash} vs ${champion.artifact.featureSpecHash}); they cannot be compared on the same inputs`,
      { context: { candidate: candidate.ref, champion: champion.ref } },
    );
  }
  return champion;
}
