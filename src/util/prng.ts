/**
 * Every seeded pseudo-random stream of the product, in one place: a fixed seed must give the same stream on
 * every platform and Node version, which Math.random cannot. Not for cryptography.
 * - `Xoshiro128` (xoshiro128**, 32-bit state words, fast with Math.imul) and `streamFor`: the generator's
 *   streams, named by (seed, purpose, day, entity), so any day can be simulated on any thread, in any order,
 *   and still come out the same; stream seeds are expanded with a splitmix32-style mixer.
 * - `Rng`: the same xoshiro128** core seeded from one number, with 53-bit floats, unbiased integers and
 *   Box–Muller normals, for resampling (bootstrap) and test data.
 * - `mulberry32`: the tiny stream used for sampling in model training (bagging, feature sampling, search).
 */

/** What a stream is used for; part of the stream's identity, never reorder. */
export const Purpose = {
  Customers: 1,
  Terminals: 2,
  TxTimes: 3,
  TxDetails: 4,
  CompromisedTerminals: 5,
  CompromisedCustomers: 6,
  Noise: 7,
  NoiseAcross: 8,
} as const;
export type Purpose = (typeof Purpose)[keyof typeof Purpose];

const TWO_POW_MINUS_32 = 2 ** -32;

/*
 * Ziggurat tables for the standard normal (Marsaglia & Tsang, 2000): 128 layers of equal area. Most draws cost
 * one 32-bit integer and a comparison, against a log, a square root and a sine for Box–Muller.
 */
const ZIG_R = 3.442619855899;
const ZIG_V = 9.91256303526217e-3;
const ZIG_K = new Uint32Array(128);
const ZIG_W = new Float64Array(128);
const ZIG_F = new Float64Array(128);
{
  const m1 = 2147483648;
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZIG_K[0] = (dn / q) * m1;
  ZIG_K[1] = 0;
  ZIG_W[0] = q / m1;
  ZIG_W[127] = dn / m1;
  ZIG_F[0] = 1;
  ZIG_F[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_K[i + 1] = (dn / tn) * m1;
    tn = dn;
    ZIG_F[i] = Math.exp(-0.5 * dn * dn);
    ZIG_W[i] = dn / m1;
  }
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Xoshiro128 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const b = this.b;
    const m = Math.imul(b, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = b << 9;
    this.c ^= this.a;
    this.d ^= b;
    this.b = b ^ this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() * TWO_POW_MINUS_32;
  }

  /** Uniform in (0, 1): safe for log(). */
  nextOpen(): number {
    return (this.nextU32() + 0.5) * TWO_POW_MINUS_32;
  }

  /** Uniform integer in [0, n), n ≤ 2^32. */
  below(n: number): number {
    return Math.floor(this.nextU32() * TWO_POW_MINUS_32 * n);
  }

  /** Standard normal (ziggurat). */
  normal(): number {
    for (;;) {
      const hz = this.nextU32() | 0;
      const iz = hz & 127;
      const abs = hz < 0 ? -hz : hz;
      if (abs < ZIG_K[iz]) return hz * ZIG_W[iz];
      if (iz === 0) {
        // Tail beyond R: Marsaglia's exponential rejection.
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.nextOpen()) / ZIG_R;
          y = -Math.log(this.nextOpen());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * ZIG_W[iz];
      if (ZIG_F[iz] + this.next() * (ZIG_F[iz - 1] - ZIG_F[iz]) < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /** Poisson variate given exp(-lambda) (Knuth's product method: fine for the small rates simulated here). */
  poissonExp(expMinusLambda: number): number {
    let k = 0;
    let p = this.next();
    while (p > expMinusLambda) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

/** Splits a non-negative integer seed (up to 2^53) into two 32-bit words. */
function seedWords(seed: number): [number, number] {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  return [lo, hi];
}

/** An independent stream for (seed, purpose, day, entity). */
export function streamFor(seed: number, purpose: Purpose, day = 0, entity = 0): Xoshiro128 {
  const [lo, hi] = seedWords(seed);
  let h = mix32(lo ^ 0x9e3779b9);
  h = mix32(h ^ hi ^ 0x7f4a7c15);
  h = mix32(h ^ Math.imul(purpose, 0x27d4eb2f));
  h = mix32(h ^ (day | 0) ^ 0x165667b1);
  h = mix32(h ^ (entity | 0) ^ 0x61c88647);
  const words: number[] = [];
  let state = h;
  for (let i = 0; i < 4; i++) {
    state = (state + 0x9e3779b9) | 0;
    words.push(mix32(state));
  }
  const rng = new Xoshiro128(words[0], words[1], words[2], words[3]);
  // Discard a few outputs so closely related seeds diverge fully.
  for (let i = 0; i < 8; i++) rng.nextU32();
  return rng;
}

/** k distinct integers from [0, n), in draw order (k is small: rejection on a Set). */
export function sampleDistinct(rng: Xoshiro128, k: number, n: number): number[] {
  const want = Math.min(k, n);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < want) {
    const v = rng.below(n);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** round-free count for a rate: floor(rate·n) plus one more with probability of the fractional part. */
export function countForRate(rng: Xoshiro128, rate: number, n: number): number {
  const x = rate * n;
  const whole = Math.floor(x);
  return whole + (rng.next() < x - whole ? 1 : 0);
}

const TWO_POW_MINUS_53 = 2 ** -53;

/** xoshiro128** seeded from one number (splitmix32), for resampling and test data. */
export class Rng extends Xoshiro128 {
  private spareNormal: number | undefined;

  /** `seed` is any finite number; its integer part is used (values beyond ±2^53 lose their low bits). */
  constructor(seed: number) {
    const words = splitmixWords(seed);
    super(words[0], words[1], words[2], words[3]);
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    return this.nextU32();
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_POW_MINUS_53;
  }

  /** Uniform integer in [0, n), n ≤ 2^32. Rejection sampling keeps it exactly uniform. */
  nextInt(n: number): number {
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextU32();
    while (r >= limit) r = this.nextU32();
    return r % n;
  }

  /** Standard normal draw (Box–Muller, the second value of each pair is kept for the next call). */
  nextNormal(): number {
    if (this.spareNormal !== undefined) {
      const v = this.spareNormal;
      this.spareNormal = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextU32() * TWO_POW_MINUS_32;
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** Four state words from one seed: splitmix32 increments, the seed's high word folded into the first only. */
function splitmixWords(seed: number): [number, number, number, number] {
  let x = Math.trunc(seed) >>> 0;
  let y = Math.trunc(seed / 2 ** 32) >>> 0;
  const next = (): number => {
    x = (x + 0x9e3779b9) | 0;
    const z = mix32(x ^ y);
    y = 0;
    return z;
  };
  return [next(), next(), next(), next()];
}

/** mulberry32: tiny, fast, good enough for sampling; the same seed gives the same stream everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
