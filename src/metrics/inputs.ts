/**
 * Input checks shared by the metrics: equal lengths, 0/1 labels, finite scores. Every metric validates once,
 * here, so the error codes are the same everywhere (METRIC_INPUT_INVALID for bad input, METRIC_UNDEFINED
 * when the input is valid but the metric has no value, e.g. AUC with a single class).
 */
import { FraudopsError } from '../errors.js';

export function metricUndefined(metric: string, reason: string): FraudopsError {
  return new FraudopsError('METRIC_UNDEFINED', `${metric} is undefined: ${reason}`, { context: { metric } });
}

export function metricInputInvalid(metric: string, reason: string, index?: number): FraudopsError {
  return new FraudopsError('METRIC_INPUT_INVALID', `${metric}: ${reason}`, { context: { metric, index } });
}

/** Checks lengths, labels in {0, 1} and non-NaN values; returns the number of positives. */
export function checkBinaryInputs(metric: string, labels: Uint8Array, values: Float64Array): number {
  if (labels.length !== values.length) {
    throw metricInputInvalid(metric, `labels (${labels.length}) and values (${values.length}) differ in length`);
  }
  let positives = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y > 1) throw metricInputInvalid(metric, `label ${y} is not 0 or 1`, i);
    if (Number.isNaN(values[i])) throw metricInputInvalid(metric, 'value is NaN', i);
    positives += y;
  }
  return positives;
}
