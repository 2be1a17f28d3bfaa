import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/prng.js';
import { isShared } from '../util/sharedMemory.js';
import type { Matrix } from '../models/Classifier.js';
import { scoreRows, selectRows, splitFrame, splitRows, takeRows, takeTestLabels, type FeatureFrame, type SplitWindows } from './FeatureFrame.js';

const W: SplitWindows = { trainStart: '2020-01-03', trainDays: 3, delayDays: 2, testDays: 3 };
const NAMES = ['a', 'b', 'c'];

/** 10 days of made-up rows: 2,000 cards, 2% fraud, days in order. */
function frame(rowsPerDay: number): FeatureFrame {
  const r = mulberry32(11);
  const days = 10;
  const rows = rowsPerDay * days;
  const f: FeatureFrame = {
    start: '2020-01-01',
    days,
    rows,
    names: NAMES,
    data: new Float64Array(rows * NAMES.length).map(() => r()),
    label: new Uint8Array(rows).map(() => (r() < 0.02 ? 1 : 0)),
    day: new Int32Array(rows).map((_, i) => Math.floor(i / rowsPerDay)),
    customerId: new Float64Array(rows).map(() => Math.floor(r() * 2000)),
    transactionId: new BigInt64Array(rows).map((_, i) => BigInt(i + 1)),
    dayRows: new Float64Array(days).fill(rowsPerDay),
    dayFrauds: new Float64Array(days),
    selected: false,
  };
  return f;
}

/** A score that depends only on its row, as a model's does. */
async function score(X: Matrix): Promise<Float64Array> {
  const out = new Float64Array(X.rows);
  for (let i = 0; i < X.rows; i++) out[i] = X.data[i * X.cols] * 3 + X.data[i * X.cols + 1] - X.data[i * X.cols + 2] / 7;
  return out;
}

describe('datasets > feature frame > test window in blocks', () => {
  const f = frame(1000);
  const split = splitRows(f, W);
  const whole = takeRows(f, split, 'test');

  it('scores the test rows a block at a time as one matrix of every row would, in ordinary or shared memory', async () => {
    const expected = await score(whole.X);
    for (const blockRows of [1, 7, 1000, split.test.length - 1, split.test.length, 10 * split.test.length]) {
      for (const shared of [false, true]) {
        const seen: boolean[] = [];
        const scores = await scoreRows(f, split.test, (X) => (seen.push(isShared(X.data)), score(X)), { blockRows, shared });
        expect(scores).toEqual(expected);
        expect(seen.every((s) => s === shared)).toBe(true);
        expect(seen.length).toBe(Math.ceil(split.test.length / blockRows));
      }
    }
  });

  it('takes the test labels, days, cards and ids of the full test set without its features', () => {
    const { X: _features, ...rest } = whole;
    expect(takeTestLabels(f, split)).toEqual(rest);
  });
});

describe('datasets > feature frame > sets in shared memory', () => {
  const f = frame(500);

  it('cuts the same sets into shared memory, and a sample of a shared set stays shared', () => {
    const plain = splitFrame(f, W);
    const shared = splitFrame(f, W, { shared: true });
    for (const which of ['train', 'test'] as const) {
      const [a, b] = [plain[which], shared[which]];
      expect(isShared(a.X.data)).toBe(false);
      for (const arr of [b.X.data, b.y, b.day, b.customerId, b.transactionId]) expect(isShared(arr)).toBe(true);
      expect(Array.from(b.X.data)).toEqual(Array.from(a.X.data));
      expect(Array.from(b.y)).toEqual(Array.from(a.y));
      expect(Array.from(b.transactionId)).toEqual(Array.from(a.transactionId));
      const keep = [0, 3, 4, 10];
      const [sa, sb] = [selectRows(a, keep), selectRows(b, keep)];
      expect(isShared(sa.X.data)).toBe(false);
      expect(isShared(sb.X.data)).toBe(true);
      expect(Array.from(sb.X.data)).toEqual(Array.from(sa.X.data));
      expect(sb.frauds).toBe(sa.frauds);
    }
  });
});
