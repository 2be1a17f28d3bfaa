/**
 * Error constructors of the validation statistics, so every function reports bad input and undefined
 * statistics with the same codes: VALIDATION_INPUT_INVALID (wrong lengths, sizes, options) and
 * VALIDATION_UNDEFINED (valid input on which the statistic has no value, e.g. a single class).
 */
import { FraudopsError, type ErrorContext } from '../errors.js';

export function validationInputInvalid(what: string, reason: string, context: ErrorContext = {}): FraudopsError {
  return new FraudopsError('VALIDATION_INPUT_INVALID', `${what}: ${reason}`, { context: { what, ...context } });
}

export function validationUndefined(what: string, reason: string, context: ErrorContext = {}): FraudopsError {
  return new FraudopsError('VALIDATION_UNDEFINED', `${what} is undefined: ${reason}`, { context: { what, ...context } });
}
