/**
 * The contract every model family implements, so the training stage, validation and the scorer handle
 * logistic regression and boosted trees alike. A `Classifier` holds hyperparameters and fits; what it
 * returns is a `Model`: it predicts fraud probabilities and serializes to plain JSON that the family's
 * loader (e.g. `LogRegModel.fromJSON`, `GbdtModel.fromJSON`) turns back into a model without the trainer.
 */

/** Dense features, row-major: value of row i, column j is `data[i * cols + j]`. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
  names: string[];
}

export interface FitOptions {
  /** Per-row weights (default 1). */
  sampleWeight?: Float64Array;
  /** Stops a long fit; the fit rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What `toJSON()` returns: plain data, `kind` naming the family and `featureNames` the expected columns. */
export interface ModelJson {
  kind: string;
  featureNames: string[];
  [key: string]: unknown;
}

export interface Model {
  readonly kind: string;
  readonly featureNames: readonly string[];
  /** Probability of the positive class (fraud) for each row of `X`; columns must match `featureNames`. */
  predictProba(X: Matrix): Float64Array;
  toJSON(): ModelJson;
}

export interface Classifier<M extends Model = Model, O extends FitOptions = FitOptions> {
  readonly kind: string;
  /** Fits on `X` and 0/1 labels `y`. Deterministic: the same inputs, parameters and seed give the same model. */
  fit(X: Matrix, y: Uint8Array, options?: O): Promise<M>;
}
