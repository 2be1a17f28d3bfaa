/**
 * Ascending sort of doubles by their bits (LSD radix, four 16-bit digits), for the bin edges: on the 200,000
 * sampled values of each feature it is several times faster than `Float64Array.prototype.sort`, and its order
 * is the same: numbers ascending, −0 before +0, infinities at the ends. Values must not be NaN.
 */

/** Sorts `values` in place and returns it. */
export function sortDoubles(values: Float64Array): Float64Array {
  const n = values.length;
  if (n < 2) return values;
  if (values.byteOffset % 8 !== 0) return values.sort();
  let src = new Uint32Array(values.buffer, values.byteOffset, 2 * n); // [low word, high word] per value (little-endian)
  let dst: Uint32Array<ArrayBufferLike> = new Uint32Array(2 * n);
  const inPlace = src;
  // as unsigned 64-bit keys in numeric order: negatives get every bit flipped, the rest only the sign bit
  for (let i = 0; i < n; i++) {
    const hi = src[2 * i + 1];
    if (hi >>> 31 === 1) {
      src[2 * i] = ~src[2 * i] >>> 0;
      src[2 * i + 1] = ~hi >>> 0;
    } else src[2 * i + 1] = (hi | 0x80000000) >>> 0;
  }
  const count = new Uint32Array(65_536);
  for (let digit = 0; digit < 4; digit++) {
    const word = digit >> 1; // 0: low, 1: high
    const shift = (digit & 1) * 16;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(src[2 * i + word] >>> shift) & 0xffff]++;
    // a digit every key shares moves nothing
    if (count[(src[word] >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65_536; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = 2 * count[(src[2 * i + word] >>> shift) & 0xffff]++;
      dst[at] = src[2 * i];
      dst[at + 1] = src[2 * i + 1];
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== inPlace) inPlace.set(src);
  for (let i = 0; i < n; i++) {
    const hi = inPlace[2 * i + 1];
    if (hi >>> 31 === 1) inPlace[2 * i + 1] = (hi & 0x7fffffff) >>> 0;
    else {
      inPlace[2 * i] = ~inPlace[2 * i] >>> 0;
      inPlace[2 * i + 1] = ~hi >>> 0;
    }
  }
  return values;
}
