/**
 * Typed arrays in ordinary or shared memory. Worker threads read sets in shared memory in place, so a set made for
 * them is allocated there from the start: copying it over afterwards holds two copies of every big set at once
 * (gigabytes on a 10M-row training window).
 */

type TypedArray = Float64Array | Uint8Array | Int32Array | BigInt64Array;
type TypedArrayClass<T extends TypedArray> = { new (length: number): T; new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };

/** A zeroed array of `length` elements, in shared memory when `shared`. */
export function newArray<T extends TypedArray>(Ctor: TypedArrayClass<T>, length: number, shared: boolean): T {
  return shared ? new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT)) : new Ctor(length);
}

export function isShared(a: TypedArray): boolean {
  return a.buffer instanceof SharedArrayBuffer;
}

/** `a` in shared memory (copied there unless it is already): handed to a worker, it is the same memory, not a copy. */
export function inShared<T extends TypedArray>(a: T): T {
  if (isShared(a)) return a;
  const out = newArray(a.constructor as TypedArrayClass<T>, a.length, true);
  (out as unknown as { set(x: T): void }).set(a);
  return out;
}
