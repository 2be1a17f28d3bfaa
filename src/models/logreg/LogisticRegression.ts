/**
 * L2-regularized logistic regression on standardized features — the linear baseline of the training stage.
 * Same objective as sklearn's LogisticRegression(C, solver='lbfgs') after a StandardScaler, solved exactly
 * by Newton's method so results are deterministic and reproducible across runs.
 */
import type { Classifier, FitOptions, Matrix } from '../Classifier.js';
import { checkpoint } from '../../util/checkpoint.js';
import { checkFitInputs, modelParamInvalid, throwIfAborted } from '../inputs.js';
import { LogRegModel } from './LogRegModel.js';
import { newtonLogistic } from './newtonLogistic.js';
import { fitStandardization, standardizeColumns } from './standardize.js';

export interface LogRegParams {
  /** Inverse regularization strength, as in sklearn (default 1). */
  C?: number;
  /** Gradient tolerance, relative to C·Σw (default 1e-10). */
  tol?: number;
  maxIter?: number;
}

/**
 * @example
 * const model = await new LogisticRegression({ C: 1 }).fit(X, y);
 * const p = model.predictProba(Xtest);
 */
export class LogisticRegression implements Classifier<LogRegModel> {
  readonly kind = 'logreg';
  private readonly params: Required<LogRegParams>;

  constructor(params: LogRegParams = {}) {
    this.params = { C: params.C ?? 1, tol: params.tol ?? 1e-10, maxIter: params.maxIter ?? 100 };
    if (!(this.params.C > 0 && Number.isFinite(this.params.C))) throw modelParamInvalid('C', 'must be a positive number');
    if (!(this.params.tol > 0)) throw modelParamInvalid('tol', 'must be positive');
    if (!(Number.isInteger(this.params.maxIter) && this.params.maxIter > 0)) throw modelParamInvalid('maxIter', 'must be a positive integer');
  }

  async fit(X: Matrix, y: Uint8Array, options: FitOptions = {}): Promise<LogRegModel> {
    checkFitInputs(X, y, options.sampleWeight);
    throwIfAborted(options.signal);
    const s = fitStandardization(X);
    const Z = standardizeColumns(X, s);
    const w = options.sampleWeight ?? new Float64Array(X.rows).fill(1);
    const r = await newtonLogistic(Z, X.rows, X.cols, y, w, this.params, checkpoint(options.signal));
    return new LogRegModel({ featureNames: [...X.names], mean: s.mean, scale: s.scale, coef: r.coef, intercept: r.intercept });
  }
}
