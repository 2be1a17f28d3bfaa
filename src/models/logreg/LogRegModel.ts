/**
 * A fitted logistic regression: the training standardization plus coefficients on the standardized scale.
 * Kept apart from the trainer so the scorer can load and apply it without the solver.
 */
import type { Matrix, Model, ModelJson } from '../Classifier.js';
import { checkColumns, modelInputInvalid, sigmoid } from '../inputs.js';

export interface LogRegModelData {
  featureNames: string[];
  mean: Float64Array;
  scale: Float64Array;
  /** Coefficients on standardized features. */
  coef: Float64Array;
  intercept: number;
}

/**
 * @example
 * const model = LogRegModel.fromJSON(JSON.parse(text));
 * const p = model.predictProba({ rows, cols, data, names });
 */
export class LogRegModel implements Model {
  readonly kind = 'logreg';
  readonly featureNames: readonly string[];

  constructor(readonly data: LogRegModelData) {
    this.featureNames = data.featureNames;
  }

  /** Log-odds for each row. */
  predictRaw(X: Matrix): Float64Array {
    checkColumns(X, this.featureNames);
    const { mean, scale, coef, intercept } = this.data;
    const d = X.cols;
    const out = new Float64Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let z = intercept;
      for (let j = 0; j < d; j++) z += ((X.data[i * d + j] - mean[j]) / scale[j]) * coef[j];
      out[i] = z;
    }
    return out;
  }

  predictProba(X: Matrix): Float64Array {
    const z = this.predictRaw(X);
    for (let i = 0; i < z.length; i++) z[i] = sigmoid(z[i]);
    return z;
  }

  toJSON(): ModelJson {
    const d = this.data;
    return {
      kind: this.kind,
      featureNames: [...d.featureNames],
      mean: [...d.mean],
      scale: [...d.scale],
      coef: [...d.coef],
      intercept: d.intercept,
    };
  }

  static fromJSON(json: ModelJson): LogRegModel {
    if (json.kind !== 'logreg') throw modelInputInvalid(`not a logreg model: kind ${json.kind}`);
    const arr = (key: string): Float64Array => {
      const v = json[key];
      if (!Array.isArray(v) || v.length !== json.featureNames.length) throw modelInputInvalid(`logreg model: bad ${key}`);
      const bad = v.findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
      if (bad >= 0) throw modelInputInvalid(`logreg model: ${key}[${bad}] is ${JSON.stringify(v[bad])}, not a finite number`);
      return Float64Array.from(v as number[]);
    };
    if (typeof json.intercept !== 'number' || !Number.isFinite(json.intercept)) {
      throw modelInputInvalid(`logreg model: intercept is ${JSON.stringify(json.intercept)}, not a finite number`);
    }
    return new LogRegModel({
      featureNames: [...json.featureNames],
      mean: arr('mean'),
      scale: arr('scale'),
      coef: arr('coef'),
      intercept: Number(json.intercept),
    });
  }
}
