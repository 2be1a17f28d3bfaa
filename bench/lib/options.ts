/**
 * Command-line options for the bench dispatcher and its stages. Each stage declares its options once; the same
 * declaration parses argv, fills defaults and prints --help, so help never drifts from what is accepted.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  description: string;
  default?: string | number | boolean;
  /** Shown in help as the value's placeholder, e.g. `<dir>`. */
  placeholder?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | number | boolean | undefined>;

/** A mistake on the command line; the dispatcher prints it with the usage and exits 2. */
export class BenchUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchUsageError';
  }
}

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

/** Reads `20000000`, `20_000_000`, `20M` or `1.5k` as a number. */
export function parseCount(text: string): number {
  const m = /^([0-9][0-9_]*(?:\.[0-9]+)?)([kKmMgG]?)$/.exec(text.trim());
  if (!m) return Number.NaN;
  return Number(m[1].replaceAll('_', '')) * (m[2] ? SUFFIX[m[2].toLowerCase()] : 1);
}

export function parseOptions(argv: string[], specs: OptionSpecs): { values: OptionValues; positionals: string[] } {
  const config: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, spec] of Object.entries(specs)) config[name] = { type: spec.type === 'boolean' ? 'boolean' : 'string' };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: config, allowPositionals: true, strict: true });
  } catch (e) {
    throw new BenchUsageError((e as Error).message);
  }
  const values: OptionValues = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = (parsed.values as Record<string, string | boolean | undefined>)[name];
    if (raw === undefined) {
      values[name] = spec.default;
    } else if (spec.type === 'number') {
      const n = parseCount(String(raw));
      if (!Number.isFinite(n)) throw new BenchUsageError(`--${name} expects a number, got "${String(raw)}"`);
      values[name] = n;
    } else {
      values[name] = raw;
    }
  }
  return { values, positionals: parsed.positionals };
}

export function formatOptions(specs: OptionSpecs): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === 'boolean' ? '' : ` ${spec.placeholder ?? (spec.type === 'number' ? '<n>' : '<value>')}`;
    const def = spec.default === undefined || spec.default === false ? '' : ` (default ${String(spec.default)})`;
    return [`  --${name}${value}`, `${spec.description}${def}`];
  });
  const width = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join('\n');
}
