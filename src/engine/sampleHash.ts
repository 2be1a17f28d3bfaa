/**
 * A seeded hash of an integer id that gives the same value in JavaScript and in any engine's SQL, so a row can be
 * sampled where it is stored (the feature query keeps only the rows training will use) and the same decision can
 * be made again in memory. Only integer `%`, `*` and `+` on BIGINT are used, every intermediate below 2^63, so
 * DuckDB and Spark agree with the BigInt arithmetic here bit for bit. Two rounds of squaring modulo the prime
 * 2^31 − 1 after a multiplicative step mix consecutive ids well enough for Bernoulli sampling (checked in the
 * test); it is not a cryptographic hash.
 *
 * A row is kept with probability `rate` when `sampleHash(id, seed) < sampleThreshold(rate)`: the hash is close to
 * uniform on [0, SAMPLE_HASH_MODULUS), and a rate of 1 keeps every row.
 */
import { mulberry32 } from '../util/prng.js';

export const SAMPLE_HASH_MODULUS = 2_147_483_647;
const M = BigInt(SAMPLE_HASH_MODULUS);
const MULTIPLIER = 48_271n;

/** The four additive constants a seed stands for, each in [0, M). */
function constants(seed: number): [bigint, bigint, bigint, bigint] {
  const r = mulberry32(seed);
  return [0, 0, 0, 0].map(() => BigInt(Math.floor(r() * SAMPLE_HASH_MODULUS))) as [bigint, bigint, bigint, bigint];
}

/** The hash of integer ids (a BIGINT in SQL) under `seed`, each in [0, SAMPLE_HASH_MODULUS). */
export function sampleHasher(seed: number): (id: bigint | number) => number {
  const [a, b, c, d] = constants(seed);
  return (id) => {
    let x = BigInt(id) % M;
    x = (x * MULTIPLIER) % M;
    x = (x + a) % M;
    x = (x * x + b) % M;
    x = (x + c) % M;
    x = (x * x + d) % M;
    return Number(x);
  };
}

export function sampleHash(id: bigint | number, seed: number): number {
  return sampleHasher(seed)(id);
}

/** The same hash as a SQL expression over an integer column (truncating `%`, as BigInt's and Java's). */
export function sampleHashSql(column: string, seed: number): string {
  const [a, b, c, d] = constants(seed);
  let x = `(CAST(${column} AS BIGINT) % ${M})`;
  x = `((${x} * ${MULTIPLIER}) % ${M})`;
  x = `((${x} + ${a}) % ${M})`;
  x = `((${x} * ${x} + ${b}) % ${M})`;
  x = `((${x} + ${c}) % ${M})`;
  return `((${x} * ${x} + ${d}) % ${M})`;
}

/** The hash bound below which rows are kept at `rate` (an integer, so both sides compare exactly). */
export function sampleThreshold(rate: number): number {
  if (!(rate >= 0)) throw new RangeError(`a sampling rate must be ≥ 0, got ${rate}`);
  return rate >= 1 ? SAMPLE_HASH_MODULUS : Math.round(rate * SAMPLE_HASH_MODULUS);
}
