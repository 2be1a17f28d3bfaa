import { describe, expect, it } from 'vitest';
import { emptyAccount } from '../../prepare/report.js';
import type { QualityOverview } from '../readers/qualityReader.js';
import { byDay, stackedSeries } from './qualityPage.js';

function file(name: string, day: string, change: (a: ReturnType<typeof emptyAccount>) => void) {
  const account = emptyAccount();
  change(account);
  return { seq: 1, file: name, committedAt: '2026-01-01T00:00:00Z', day, keptByDay: {}, account };
}

describe('dashboard > quality page', () => {
  const q: QualityOverview = {
    lake: 'file:///lake',
    files: [
      file('2019-08-22.txt', '2019-08-22', (a) => Object.assign(a, { rowsIn: 100, kept: 90, duplicates: 4, quarantinedTotal: 6, fixed: { ...a.fixed, negative_customer_id: 3 }, quarantined: { ...a.quarantined, bad_datetime: 5, column_count: 1 } })),
      file('2019-08-23.txt', '2019-08-23', (a) => Object.assign(a, { rowsIn: 50, kept: 50 })),
      file('extra-2019-08-23.csv', '2019-08-23', (a) => Object.assign(a, { rowsIn: 10, kept: 8, duplicates: 2 })),
    ],
  };

  it('adds the files of one day together', () => {
    const days = byDay(q);
    expect(days.map((d) => [d.day, d.files.length, d.account.rowsIn, d.account.duplicates])).toEqual([
      ['2019-08-22', 1, 100, 4],
      ['2019-08-23', 2, 60, 2],
    ]);
  });

  it('stacks every row of a day into exactly one series, so each bar is the day\'s rows in', () => {
    const days = byDay(q);
    const { x, composition, problems } = stackedSeries(days);
    expect(x).toEqual([Date.UTC(2019, 7, 22) / 1000, Date.UTC(2019, 7, 23) / 1000]);
    const heights = days.map((_, i) => composition.reduce((s, c) => s + c.values[i], 0));
    expect(heights).toEqual(days.map((d) => d.account.rowsIn));
    expect(composition.map((c) => c.label)).toEqual(['kept as is', 'kept after a fix', 'duplicates', 'quarantined: column_count', 'quarantined: bad_datetime']);
    expect(problems.map((c) => c.label)).toEqual(['fixed: negative_customer_id', 'duplicates', 'quarantined: column_count', 'quarantined: bad_datetime']);
    expect(problems[0].values).toEqual([3, 0]);
  });
});
