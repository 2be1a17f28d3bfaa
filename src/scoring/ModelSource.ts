/**
 * The model the scorer uses: the version an alias (default `champion`) points to in the registry, loaded with
 * its artifact. `watch` polls the alias off the hot path; when it moves, the new version is loaded and warmed
 * (one prediction) in the background and handed over at the next batch boundary (`take`), so a batch is
 * scored by exactly one version and promotion needs no restart.
 */
import { FraudopsError, isFraudopsError } from '../errors.js';
import type { ModelArtifact } from '../models/artifact.js';
import type { Model } from '../models/Classifier.js';
import { resolveModel } from '../promotion/modelRef.js';
import type { Tracking } from '../tracking/Tracking.js';

export interface ServingModel {
  registeredModel: string;
  version: string;
  runId: string;
  artifact: ModelArtifact;
  model: Model;
}

export class ModelSource {
  private current: ServingModel | undefined;
  private next: ServingModel | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Last failure to reach the registry or load a version (the scorer keeps the model it has). */
  lastError: FraudopsError | undefined;

  constructor(
    private readonly tracking: Tracking,
    private readonly registeredModel: string,
    /** An alias (`champion`) or a version number. */
    private readonly ref: string,
  ) {}

  private get uri(): string {
    return /^\d+$/.test(this.ref) ? `models:/${this.registeredModel}/${this.ref}` : `models:/${this.registeredModel}@${this.ref}`;
  }

  /** Loads the model the reference points to now. */
  async load(): Promise<ServingModel> {
    const r = await resolveModel(this.tracking, this.uri, this.registeredModel);
    if (!r.version) throw new FraudopsError('MODEL_REF_INVALID', `${this.uri}: no registered version`, { context: { ref: this.uri } });
    const serving = { registeredModel: this.registeredModel, version: r.version.version, runId: r.runId, artifact: r.artifact, model: r.model };
    warm(serving);
    this.current ??= serving;
    return serving;
  }

  /** The model for the next batch: a newly loaded version once it is ready, else the current one. */
  take(): ServingModel {
    if (this.next) {
      this.current = this.next;
      this.next = undefined;
    }
    if (!this.current) throw new FraudopsError('MODEL_NOT_LOADED', 'no model loaded');
    return this.current;
  }

  /** Polls the alias every `everyMs`; a moved alias is loaded in the background. */
  watch(everyMs: number): void {
    this.timer = setInterval(() => void this.poll(), everyMs);
    this.timer.unref();
  }

  async poll(): Promise<void> {
    if (this.polling || /^\d+$/.test(this.ref)) return;
    this.polling = true;
    try {
      const v = await this.tracking.registry.getModelVersionByAlias(this.registeredModel, this.ref);
      const have = this.next?.version ?? this.current?.version;
      if (v.version !== have) {
        const r = await resolveModel(this.tracking, this.uri, this.registeredModel);
        const serving = { registeredModel: this.registeredModel, version: r.version?.version ?? v.version, runId: r.runId, artifact: r.artifact, model: r.model };
        warm(serving);
        this.next = serving;
      }
      this.lastError = undefined;
    } catch (e) {
      this.lastError = isFraudopsError(e) ? e : new FraudopsError('REGISTRY_UNREACHABLE', `model registry: ${String(e)}`, { cause: e, retriable: true });
    } finally {
      this.polling = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** One prediction, so the first real batch does not pay for lazy initialisation. */
function warm(m: ServingModel): void {
  const cols = m.artifact.featureNames.length;
  m.model.predictProba({ rows: 1, cols, data: new Float64Array(cols), names: m.artifact.featureNames });
}
