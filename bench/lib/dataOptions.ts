/**
 * The options that choose a generated data set, shared by every stage that needs raw input. By default the
 * customer count is derived from a target row count, so `--rows 20M` is all most runs need.
 */
import type { OptionSpecs, OptionValues } from './options.js';
import { BenchUsageError } from './options.js';
import { customersForRows, type GenerateParams } from './generatedData.js';

export const DEFAULT_ROWS = 20_000_000;

export const DATA_OPTIONS: OptionSpecs = {
  rows: { type: 'number', description: 'target row count; sets --customers when that is not given', default: DEFAULT_ROWS },
  days: { type: 'number', description: 'days to generate (one file per day)', default: 40 },
  customers: { type: 'number', description: 'customers (default: enough for --rows at Handbook rates)' },
  terminals: { type: 'number', description: 'terminals', default: 500_000 },
  seed: { type: 'number', description: 'generator seed', default: 1 },
  noise: { type: 'string', description: 'generator noise mode', default: 'course', placeholder: '<mode>' },
};

export function dataParams(v: OptionValues): GenerateParams {
  const days = positiveInt(v, 'days');
  const terminals = positiveInt(v, 'terminals');
  const customers = v.customers === undefined ? customersForRows(positiveInt(v, 'rows'), days, terminals) : positiveInt(v, 'customers');
  return { days, customers, terminals, seed: Math.trunc(Number(v.seed)), noise: String(v.noise) };
}

export function positiveInt(v: OptionValues, name: string): number {
  const n = Number(v[name]);
  if (!Number.isInteger(n) || n <= 0) throw new BenchUsageError(`--${name} expects a positive whole number, got ${String(v[name])}`);
  return n;
}
