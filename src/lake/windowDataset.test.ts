import { describe, expect, it } from 'vitest';
import type { CommitPart } from './CommitLog.js';
import { windowDataset } from './windowDataset.js';

const part = (day: string, key: string, rows = 10): CommitPart => ({ key, day, rows, minId: 1, maxId: rows } as CommitPart);
const parts = [part('2018-04-01', 'a'), part('2018-04-02', 'b'), part('2018-04-03', 'c'), part('2018-04-09', 'z')];

describe('lake > window dataset', () => {
  it('digests exactly the parts inside the window, whatever their order', () => {
    const d = windowDataset('s3://lake', parts, '2018-04-01', '2018-04-03', 'lake train');
    expect(d).toMatchObject({ name: 'lake train 2018-04-01..2018-04-03', sourceType: 's3' });
    expect(JSON.parse(d.profile)).toEqual({ rows: 30, parts: 3, days: 3 });
    expect(d.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(windowDataset('s3://lake', [...parts].reverse(), '2018-04-01', '2018-04-03', 'lake train').digest).toBe(d.digest);
    // A part outside the window does not count; a re-prepared part inside it does.
    expect(windowDataset('s3://lake', [...parts, part('2018-04-20', 'q')], '2018-04-01', '2018-04-03', 'x').digest).toBe(d.digest);
    expect(windowDataset('s3://lake', [part('2018-04-01', 'a', 11), ...parts.slice(1)], '2018-04-01', '2018-04-03', 'x').digest).not.toBe(d.digest);
    expect(windowDataset('/data/lake', parts, '2018-04-01', '2018-04-01', 'x').sourceType).toBe('local');
  });
});
