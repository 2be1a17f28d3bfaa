import { describe, expect, it } from 'vitest';
import { customerOf, sendSlice } from './replay.js';

describe('replay pacing', () => {
  it('sends everything read at once without a rate, and about 10 ms of input per send with one', () => {
    expect(sendSlice(undefined)).toBe(2000);
    expect(sendSlice(100)).toBe(1);
    expect(sendSlice(5000)).toBe(50);
    expect(sendSlice(1_000_000)).toBe(2000);
    expect(sendSlice(0.5)).toBe(1);
  });

  it('keys by the third field, the customer id', () => {
    expect(customerOf(Buffer.from('12,2019-09-01 00:00:31,596,3156,57.16,31,0,0,0'))).toBe(596);
    expect(customerOf(Buffer.from('garbage'))).toBeUndefined();
  });
});
