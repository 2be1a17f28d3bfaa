/**
 * What a bench stage is: a name, its options, and a run that returns a report. The dispatcher (bench/run.ts)
 * owns the common options, printing and JSON; a stage only measures. Adding a stage (e.g. `train`) is one file
 * in bench/stages/ and one line in the dispatcher's list.
 */
import type { OptionSpecs, OptionValues } from './options.js';

export interface BenchContext {
  /** Repository root; the CLI under test is `<root>/dist/cli/bin.js`. */
  root: string;
  /** Where generated inputs are kept between runs and scratch outputs are written (default `.data/bench`). */
  dataDir: string;
  options: OptionValues;
  /** Times each measurement is taken; the report keeps the median wall time and the largest peak RSS. */
  repeat: number;
  /** Keep scratch outputs (lakes, generated copies) instead of deleting them after measuring. */
  keep: boolean;
  /** Progress and warnings: stderr only, so stdout stays one JSON document under --json. */
  log(message: string): void;
  signal: AbortSignal;
}

/** One measured line of the results table. */
export interface BenchRow {
  name: string;
  wallSeconds: number | null;
  peakRssBytes?: number | null;
  /** Rows processed, for a rows/s column. */
  rows?: number | null;
  /** Bytes read or written, for a MB/s column. */
  bytes?: number | null;
  note?: string;
}

/** A ratio or rate compared with its goal; without `target` it is shown for information only. */
export interface BenchCheck {
  name: string;
  value: number | null;
  unit: '×' | 'rows/s' | 'bytes' | 'ms' | 's' | 'score';
  target?: number;
  direction?: 'atLeast' | 'atMost';
  /** Null when the value or the target is missing. */
  met?: boolean | null;
}

export interface BenchReport {
  stage: string;
  params: Record<string, unknown>;
  /** Name of the row the ratio column divides by (ours). */
  reference: string;
  rows: BenchRow[];
  checks: BenchCheck[];
  notes: string[];
  /** Raw material for --json readers: children's own reports, versions, paths. */
  details: Record<string, unknown>;
}

export interface BenchStage {
  name: string;
  summary: string;
  description: string;
  options: OptionSpecs;
  examples: string[];
  run(ctx: BenchContext): Promise<BenchReport>;
}

export function check(
  name: string,
  value: number | null,
  unit: BenchCheck['unit'],
  goal?: { target: number; direction: 'atLeast' | 'atMost' },
): BenchCheck {
  if (!goal) return { name, value, unit };
  const met = value === null ? null : goal.direction === 'atLeast' ? value >= goal.target : value <= goal.target;
  return { name, value, unit, ...goal, met };
}
