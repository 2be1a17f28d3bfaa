/** `fraudops generate`: thin shell over the generator stage. */
import { availableParallelism } from 'node:os';
import { STORE_SCHEMES } from '../../config/schemes.js';
import type { Command, FlagSpec, FlagValues } from '../command.js';
import { ConfigError } from '../../errors.js';
import { generate, type GenerateResult } from '../../generator/generate.js';
import { DEFAULT_NOISE_RATES, DEFAULTS, NOISE_DEFECT_NAMES, type NoiseMode, type NoiseRates } from '../../generator/options.js';
import type { NoiseDefect } from '../../quality.js';

/** `--noise-<defect>` flag of each defect, e.g. `--noise-terminal-missing`. */
function noiseFlag(defect: NoiseDefect): string {
  return `noise-${defect.replace(/_/g, '-')}`;
}

const noiseFlags: Record<string, FlagSpec> = Object.fromEntries(
  NOISE_DEFECT_NAMES.map((d) => [
    noiseFlag(d),
    {
      type: 'number',
      min: 0,
      max: 0.1,
      description: `fraction of rows with defect ${d} under --noise course (default ${DEFAULT_NOISE_RATES[d]})`,
      placeholder: '<fraction>',
    } satisfies FlagSpec,
  ]),
);

function optionalNumber(flags: FlagValues, name: string): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`--${name} must be a number, got ${String(v)}`, { context: { field: name } });
  return n;
}

function formatSummary(r: GenerateResult): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  const t = r.totals;
  const lines = [
    `generated ${t.files} daily files, ${n(t.rows)} rows (${(t.bytes / 1e6).toFixed(1)} MB) into ${r.uri}`,
    `frauds: ${n(r.fraud.total)} (${((100 * r.fraud.total) / Math.max(1, t.transactions)).toFixed(2)} %): ` +
      `scenario 1 ${n(r.fraud.scenario1)}, scenario 2 ${n(r.fraud.scenario2)}, scenario 3 ${n(r.fraud.scenario3)}`,
  ];
  const defects = Object.entries(r.defects).filter(([, v]) => v > 0);
  if (defects.length > 0) lines.push(`injected defects: ${defects.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  lines.push(`manifest: ${r.manifest}; ${(r.elapsedMs / 1000).toFixed(1)} s, ${n(Math.round(r.rowsPerSecond))} rows/s`);
  return lines.join('\n');
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'simulate card transactions (Fraud Detection Handbook) into daily course-format files',
  usage: 'fraudops generate --out <dir|s3://bucket/prefix> [--days N] [--customers N] [--terminals N] [--seed S] [--noise course|none] [--workers N] [--json]',
  description: [
    'Writes one YYYY-MM-DD.txt file per day plus _manifest.json (options, seed, exact per-file row and defect counts',
    'and the accounting preparation must reach). The same seed and options give byte-identical files whatever',
    '--workers, and a longer run reproduces the files of a shorter one. With --noise course the course dataset\'s',
    'defects are injected at the --noise-* rates (fractions of rows). S3 settings come from AWS_* variables.',
  ].join('\n'),
  examples: [
    'fraudops generate --out ./raw --days 30',
    'fraudops generate --out ./raw --start-date 2018-04-01 --days 183 --customers 5000 --terminals 10000 --seed 1',
    'fraudops generate --out s3://fraud-raw/daily --days 40 --customers 25000000 --terminals 50000000 --workers 2 --noise course',
    'fraudops generate --out ./raw --days 7 --noise course --noise-duplicate-within-file 0.001 --noise-bad-datetime 0.001 --json',
  ],
  flags: {
    out: { type: 'uri', description: 'output root', env: 'FRAUDOPS_RAW', configKey: 'raw', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    'start-date': { type: 'date', description: 'first day (UTC)', default: DEFAULTS.startDate, placeholder: 'YYYY-MM-DD' },
    days: { type: 'integer', description: 'number of daily files', default: DEFAULTS.days, min: 1, max: 100000 },
    customers: { type: 'integer', description: 'customers', default: DEFAULTS.customers, min: 1, max: 2 ** 31 - 2 },
    terminals: { type: 'integer', description: 'terminals', default: DEFAULTS.terminals, min: 1, max: 2 ** 31 - 1 },
    seed: { type: 'integer', description: 'random seed (integer)', default: DEFAULTS.seed, min: 0 },
    noise: { type: 'string', description: 'inject the course dataset\'s defects', choices: ['none', 'course'], default: DEFAULTS.noise },
    workers: {
      type: 'integer',
      min: 1,
      max: 256,
      // Output does not depend on it, so the default can follow the machine.
      description: 'days simulated in parallel (worker threads; files are identical whatever the value)',
      default: Math.max(DEFAULTS.workers, Math.min(8, availableParallelism())),
      env: 'FRAUDOPS_GENERATOR_WORKERS',
    },
    'compromised-terminals': {
      type: 'integer',
      min: 0,
      description: 'scenario 2: terminals compromised per day (default round(2 · terminals / 10000), at least 1)',
    },
    'compromised-customers': {
      type: 'integer',
      min: 0,
      description: 'scenario 3: customers compromised per day (default round(3 · customers / 5000), at least 1)',
    },
    ...noiseFlags,
  },
  async run(flags, io) {
    const noiseRates: Partial<NoiseRates> = {};
    for (const d of NOISE_DEFECT_NAMES) {
      const v = optionalNumber(flags, noiseFlag(d));
      if (v !== undefined) noiseRates[d] = v;
    }
    const result = await generate(
      {
        out: String(flags.out),
        startDate: flags['start-date'] === undefined ? undefined : String(flags['start-date']),
        days: optionalNumber(flags, 'days'),
        customers: optionalNumber(flags, 'customers'),
        terminals: optionalNumber(flags, 'terminals'),
        seed: optionalNumber(flags, 'seed'),
        noise: flags.noise === undefined ? undefined : (String(flags.noise) as NoiseMode),
        noiseRates,
        workers: optionalNumber(flags, 'workers'),
        compromisedTerminalsPerDay: optionalNumber(flags, 'compromised-terminals'),
        compromisedCustomersPerDay: optionalNumber(flags, 'compromised-customers'),
      },
      {
        signal: io.signal,
        onProgress: (p) =>
          io.progress(
            `generate [${p.daysDone}/${p.daysTotal}] ${p.file}: ${p.rows.toLocaleString('en-US')} rows, ` +
              `${p.rowsWritten.toLocaleString('en-US')} in total`,
          ),
      },
    );
    io.out(io.json ? JSON.stringify(result, null, 2) : formatSummary(result));
    return 0;
  },
};
