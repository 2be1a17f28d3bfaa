/**
 * Decides, for one day file, which rows carry which course defect, where duplicates go and which clean rows the
 * day offers to later files as cross-file duplicates. Counts are exact per file (floor(rate·rows) plus one with
 * the probability of the remainder), every defect hits a distinct row, and duplicated or donated rows are clean:
 * the manifest can then state precisely how preparation must classify every row.
 */
import { countForRate, Purpose, type Xoshiro128, sampleDistinct, streamFor } from '../util/prng.js';
import type { NoiseDefect } from '../quality.js';
import type { ResolvedOptions } from './options.js';

/** Defects that alter one existing row, in the order their counts are drawn. */
export const ROW_DEFECTS = [
  'terminal_missing',
  'bad_datetime',
  'time_days_mismatch',
  'negative_customer_id',
  'sentinel_customer_id',
  'zero_amount',
] as const satisfies readonly NoiseDefect[];
export interface NoisePlan {
  /** Rows carrying a defect, ascending; kind is an index into ROW_DEFECTS; variant picks the defect's form. */
  defectRow: Int32Array;
  defectKind: Uint8Array;
  defectVariant: Uint32Array;
  /** Extra rows, ascending by `after` (the base row they follow; -1 = right after the header). */
  insertAfter: Int32Array;
  /** A number is a base row of this file (within-file duplicate); a string is a row of an earlier file. */
  insertSource: (number | string)[];
  /** Clean rows offered to later files as cross-file duplicate sources. */
  donorRows: number[];
  counts: Record<NoiseDefect, number>;
}

export function zeroCounts(): Record<NoiseDefect, number> {
  return {
    terminal_missing: 0,
    bad_datetime: 0,
    time_days_mismatch: 0,
    duplicate_within_file: 0,
    duplicate_across_files: 0,
    negative_customer_id: 0,
    sentinel_customer_id: 0,
    zero_amount: 0,
  };
}

/** How many donor rows a day offers: enough for later days at the same rate, never fewer than 32. */
export function donorPoolSize(o: ResolvedOptions, rows: number): number {
  const rate = o.noise === 'course' ? o.noiseRates.duplicate_across_files : 0;
  if (rate <= 0 || rows === 0) return 0;
  return Math.max(32, Math.ceil(4 * rate * rows));
}

/** Picks, in the main thread, the earlier-file rows duplicated into `day` (pools of all earlier days, in order). */
export function pickAcrossDuplicates(o: ResolvedOptions, day: number, rows: number, pools: readonly string[][]): string[] {
  if (o.noise !== 'course' || rows === 0) return [];
  const rng = streamFor(o.seed, Purpose.NoiseAcross, day);
  const all = pools.flat();
  const k = Math.min(countForRate(rng, o.noiseRates.duplicate_across_files, rows), all.length);
  return sampleDistinct(rng, k, all.length).map((i) => all[i]);
}

function pickRow(rng: Xoshiro128, rows: number, taken: Map<number, number>, accept: (row: number) => boolean): number {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const r = rng.below(rows);
    if (!taken.has(r) && accept(r)) return r;
  }
  return -1;
}

export function planNoise(
  o: ResolvedOptions,
  day: number,
  rows: number,
  rowData: Int32Array,
  stride: number,
  acrossRows: readonly string[],
): NoisePlan {
  const counts = zeroCounts();
  const empty: NoisePlan = {
    defectRow: new Int32Array(0),
    defectKind: new Uint8Array(0),
    defectVariant: new Uint32Array(0),
    insertAfter: new Int32Array(0),
    insertSource: [],
    donorRows: [],
    counts,
  };
  if (o.noise !== 'course' || rows === 0) return empty;
  const rng = streamFor(o.seed, Purpose.Noise, day);

  // At most half the rows get a defect or are duplicated, so rejection sampling below stays quick.
  let budget = Math.floor(rows / 2);
  const wanted = ROW_DEFECTS.map((d) => countForRate(rng, o.noiseRates[d], rows));
  let within = countForRate(rng, o.noiseRates.duplicate_within_file, rows);
  for (let k = 0; k < wanted.length; k++) {
    wanted[k] = Math.min(wanted[k], budget);
    budget -= wanted[k];
  }
  within = Math.min(within, budget);

  const taken = new Map<number, number>();
  const variants = new Map<number, number>();
  const any = (): boolean => true;
  // Customer index 0 is id 0, the only id that cannot be negated.
  const positiveCustomer = (r: number): boolean => rowData[r * stride] > 0;
  for (let k = 0; k < ROW_DEFECTS.length; k++) {
    const accept = ROW_DEFECTS[k] === 'negative_customer_id' ? positiveCustomer : any;
    for (let i = 0; i < wanted[k]; i++) {
      const r = pickRow(rng, rows, taken, accept);
      if (r < 0) break;
      taken.set(r, k);
      variants.set(r, rng.nextU32());
      counts[ROW_DEFECTS[k]]++;
    }
  }

  const inserts: { after: number; source: number | string }[] = [];
  const sources = new Set<number>();
  for (let i = 0; i < within; i++) {
    const r = pickRow(rng, rows, taken, (row) => !sources.has(row));
    if (r < 0) break;
    sources.add(r);
    inserts.push({ after: r + rng.below(rows - r), source: r });
  }
  counts.duplicate_within_file = inserts.length;

  const donors = new Set<number>();
  const poolSize = Math.min(donorPoolSize(o, rows), rows - taken.size);
  for (let i = 0; i < poolSize; i++) {
    const r = pickRow(rng, rows, taken, (row) => !donors.has(row));
    if (r < 0) break;
    donors.add(r);
  }

  for (const text of acrossRows) inserts.push({ after: rng.below(rows + 1) - 1, source: text });
  counts.duplicate_across_files = acrossRows.length;

  const defectRows = [...taken.keys()].sort((a, b) => a - b);
  inserts.sort((a, b) => a.after - b.after); // stable: ties keep creation order
  return {
    defectRow: Int32Array.from(defectRows),
    defectKind: Uint8Array.from(defectRows, (r) => taken.get(r)!),
    defectVariant: Uint32Array.from(defectRows, (r) => variants.get(r)!),
    insertAfter: Int32Array.from(inserts, (x) => x.after),
    insertSource: inserts.map((x) => x.source),
    donorRows: [...donors].sort((a, b) => a - b),
    counts,
  };
}
