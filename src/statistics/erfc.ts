/**
 * The complementary error function and the standard normal tail, to about 1e-15 relative error over the
 * whole range (down to the underflow of erfc near x = 26.5), for the z-tests of the validation statistics.
 * Small |x| use the Maclaurin series of erf; larger x use Laplace's continued fraction for erfc evaluated
 * with the modified Lentz method, so the tail keeps its relative precision instead of being 1 − erf(x).
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / √π
const INV_SQRT_PI = 0.5641895835477563; // 1 / √π
const SERIES_LIMIT = 0.5;
const TINY = 1e-300;

/**
 * erfc(x) = 1 − erf(x).
 *
 * @example
 * erfc(1); // ≈ 0.157299207050285
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) return 1 - erfSeries(x);
  if (x > 27.3) return 0;
  return expMinusSquare(x) * INV_SQRT_PI / laplaceFraction(x);
}

/** erf(x), through erfc for |x| ≥ 0.5 and the series below, so it is accurate near 0 as well. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  return x > 0 ? 1 - erfc(x) : erfc(-x) - 1;
}

/** P(Z > z) for a standard normal Z; relative precision is kept far into the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z * Math.SQRT1_2);
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * Math.SQRT1_2);
}

/** erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1)); for |x| < 0.5 the terms fall fast and barely cancel. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x; // (−1)^n x^(2n+1) / n!
  let sum = x;
  for (let n = 1; n < 60; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * f(x) = x + (1/2) / (x + 1 / (x + (3/2) / (x + 2 / (x + …)))), so that erfc(x) = e^(−x²) / (√π f(x)).
 * Modified Lentz: numerators a_j = (j − 1)/2 for j ≥ 2, every denominator x.
 */
function laplaceFraction(x: number): number {
  let f = x;
  let c = f;
  let d = 0;
  for (let j = 2; j < 20000; j++) {
    const a = (j - 1) / 2;
    d = x + a * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = x + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 2e-16) break;
  }
  return f;
}

/**
 * e^(−x²) without the rounding error of x*x: x = hi + lo with hi on a 2^-20 grid, so hi² is exact and
 * x² = hi² + lo·(x + hi) carries the rest.
 */
function expMinusSquare(x: number): number {
  const hi = Math.floor(x * 1048576) / 1048576;
  const lo = x - hi;
  return Math.exp(-hi * hi) * Math.exp(-lo * (x + hi));
}
