/**
 * Typed options of the transaction generator, their defaults (the Fraud Detection Handbook's simulated dataset)
 * and their validation. `resolveOptions` is the only place that turns partial user input into the fully
 * specified settings recorded in the manifest, so a manifest always says exactly how its files were made.
 */
import { ConfigError } from '../errors.js';
import { NOISE_DEFECTS, SENTINEL_CUSTOMER_ID, type NoiseDefect } from '../quality.js';

export type NoiseMode = 'none' | 'course';

/** Fraction of rows (0.00002 = 0.002 %) hit by each injected defect, keyed by NOISE_DEFECTS names. */
export type NoiseRates = Record<NoiseDefect, number>;

export interface GenerateOptions {
  /** Output root: a local directory (plain path or file:// URI) or `s3://bucket/prefix`. */
  out: string;
  /** First day, `YYYY-MM-DD` (UTC). Default 2019-08-22. */
  startDate?: string;
  /** Number of daily files. Default 183 (the Handbook's half year). */
  days?: number;
  /** Default 5,000. */
  customers?: number;
  /** Default 10,000. */
  terminals?: number;
  /** Non-negative integer up to 2^53. Default 42. */
  seed?: number;
  /** `course` injects the course dataset's defects; default `none`. */
  noise?: NoiseMode;
  /** Overrides of the default defect rates (only used with noise `course`). */
  noiseRates?: Partial<NoiseRates>;
  /** Days simulated in parallel on worker threads; 1 runs in the calling thread. Default 1. */
  workers?: number;
  /** Scenario 2: terminals compromised each day. Default round(2 · terminals / 10,000), at least 1. */
  compromisedTerminalsPerDay?: number;
  /** Scenario 3: customers compromised each day. Default round(3 · customers / 5,000), at least 1. */
  compromisedCustomersPerDay?: number;
}

export interface ResolvedOptions {
  out: string;
  startDate: string;
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  noise: NoiseMode;
  noiseRates: NoiseRates;
  workers: number;
  compromisedTerminalsPerDay: number;
  compromisedCustomersPerDay: number;
  /** Grid side (the Handbook's 100). */
  gridSize: number;
  /** A customer uses the terminals strictly closer than this (the Handbook's 5). */
  radius: number;
  /** Scenario 1 threshold, in cents (amount > 220). */
  scenario1ThresholdCents: number;
  /** Scenario 2 window in days (28). */
  terminalCompromiseDays: number;
  /** Scenario 3 window in days (14). */
  customerCompromiseDays: number;
}

/** Rates close to the course's real data; small enough that a clean day is the norm. */
export const DEFAULT_NOISE_RATES: NoiseRates = {
  terminal_missing: 0.00002,
  bad_datetime: 0.000002,
  time_days_mismatch: 0.000002,
  duplicate_within_file: 0.000001,
  duplicate_across_files: 0.000001,
  negative_customer_id: 0.000002,
  sentinel_customer_id: 0.000002,
  zero_amount: 0.000002,
};

/** Raised rates, so a small dataset (the demo's) shows every kind of defect. */
export const RAISED_NOISE_RATES: NoiseRates = {
  terminal_missing: 2e-4,
  bad_datetime: 1e-4,
  time_days_mismatch: 1e-4,
  duplicate_within_file: 1e-4,
  duplicate_across_files: 1e-4,
  negative_customer_id: 1e-4,
  sentinel_customer_id: 1e-4,
  zero_amount: 1e-4,
};

export const NOISE_DEFECT_NAMES = Object.keys(NOISE_DEFECTS) as NoiseDefect[];

export const DEFAULTS = {
  startDate: '2019-08-22',
  days: 183,
  customers: 5000,
  terminals: 10000,
  seed: 42,
  noise: 'none' as NoiseMode,
  workers: 1,
} as const;

/** Customer ids are dense except that the sentinel 999999 is skipped. */
const MAX_CUSTOMERS = 2 ** 31 - 2;
const MAX_TERMINALS = 2 ** 31 - 1;

function positiveInt(name: string, v: number, max: number, min = 1): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got ${v}`, {
      context: { field: name },
    });
  }
  return v;
}

export function parseStartDate(s: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!date || date.toISOString().slice(0, 10) !== s) {
    throw new ConfigError(`start date must be a valid YYYY-MM-DD date, got "${s}"`, { context: { field: 'startDate' } });
  }
  return date;
}

export function resolveOptions(o: GenerateOptions): ResolvedOptions {
  if (typeof o.out !== 'string' || o.out.length === 0) {
    throw new ConfigError('an output location is required', { context: { field: 'out' } });
  }
  const startDate = o.startDate ?? DEFAULTS.startDate;
  parseStartDate(startDate);
  const days = positiveInt('days', o.days ?? DEFAULTS.days, 100000);
  const customers = positiveInt('customers', o.customers ?? DEFAULTS.customers, MAX_CUSTOMERS);
  const terminals = positiveInt('terminals', o.terminals ?? DEFAULTS.terminals, MAX_TERMINALS);
  const seed = positiveInt('seed', o.seed ?? DEFAULTS.seed, Number.MAX_SAFE_INTEGER, 0);
  const noise = o.noise ?? DEFAULTS.noise;
  if (noise !== 'none' && noise !== 'course') {
    throw new ConfigError(`noise must be "none" or "course", got "${String(noise)}"`, { context: { field: 'noise' } });
  }
  const workers = positiveInt('workers', o.workers ?? DEFAULTS.workers, 256);
  const noiseRates = { ...DEFAULT_NOISE_RATES };
  for (const [k, v] of Object.entries(o.noiseRates ?? {})) {
    if (!(k in NOISE_DEFECTS)) {
      throw new ConfigError(`unknown noise defect "${k}"`, { context: { field: 'noiseRates' } });
    }
    if (typeof v !== 'number' || !(v >= 0 && v <= 0.1)) {
      throw new ConfigError(`noise rate ${k} must be a fraction between 0 and 0.1, got ${String(v)}`, {
        context: { field: k },
      });
    }
    noiseRates[k as NoiseDefect] = v;
  }
  const compromisedTerminalsPerDay = positiveInt(
    'compromisedTerminalsPerDay',
    o.compromisedTerminalsPerDay ?? Math.max(1, Math.round((2 * terminals) / 10000)),
    terminals,
    0,
  );
  const compromisedCustomersPerDay = positiveInt(
    'compromisedCustomersPerDay',
    o.compromisedCustomersPerDay ?? Math.max(1, Math.round((3 * customers) / 5000)),
    customers,
    0,
  );
  return {
    out: o.out,
    startDate,
    days,
    customers,
    terminals,
    seed,
    noise,
    noiseRates,
    workers,
    compromisedTerminalsPerDay,
    compromisedCustomersPerDay,
    gridSize: 100,
    radius: 5,
    scenario1ThresholdCents: 22000,
    terminalCompromiseDays: 28,
    customerCompromiseDays: 14,
  };
}

/** Customer index → customer id: dense, skipping the sentinel. */
export function customerId(index: number): number {
  return index < SENTINEL_CUSTOMER_ID ? index : index + 1;
}

/** `YYYY-MM-DD` of day `day` counted from the start date. */
export function dayDate(startDate: string, day: number): string {
  return new Date(parseStartDate(startDate).getTime() + day * 86400000).toISOString().slice(0, 10);
}

/** Name of the file holding day `day`. */
export function dayFileName(startDate: string, day: number): string {
  return `${dayDate(startDate, day)}.txt`;
}
