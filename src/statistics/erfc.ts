/**
 * The standard normal tail for the z-tests of the validation statistics (DeLong, the bootstrap intervals),
 * through @stdlib's erfc, which keeps relative precision far into the tail instead of computing 1 − erf(x).
 */
import erfc from '@stdlib/math-base-special-erfc';

export { erfc };

/** P(Z > z) for a standard normal Z; relative precision is kept far into the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}
