/**
 * `fraudops replay --rate N` publishes a steady stream, as a source would: records reach the broker spread over
 * the replay, not in one burst per 2,000 lines read followed by a pause. A burst would make a live reader see
 * nothing and then everything, and a latency measured at that rate would measure the burst. Against the real
 * broker: 300 lines at 200 tx/s must arrive over about 1.5 s, judged by the records' own create times.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROKERS, cli, readCommitted, uniqueName } from './support/kafka.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudops-replay-pacing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stream > replay pacing', () => {
  it('--rate 200 spreads 300 lines over about 1.5 s instead of sending them in one burst', { timeout: 120_000 }, async () => {
    const lines = ['# tranaction_id | tx_datetime | customer_id | terminal_id | tx_amount | tx_time_seconds | tx_time_days | tx_fraud | tx_fraud_scenario'];
    for (let i = 0; i < 300; i++) lines.push(`${i},2019-09-01 00:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},${i % 37},${i % 53},12.50,${i},0,0,0`);
    writeFileSync(join(dir, '2019-09-01.txt'), `${lines.join('\n')}\n`);
    const topic = uniqueName('pacing');
    const p = cli(['replay', '--raw', join(dir, '2019-09-01.txt'), '--brokers', BROKERS, '--topic', topic, '--rate', '200', '--partitions', '1', '--json']);
    expect(await p.exited, p.output()).toBe(0);
    const records = await readCommitted(topic, { count: 300, idleMs: 2000, timeoutMs: 60_000 });
    expect(records).toHaveLength(300);
    const times = records.map((r) => Number(r.timestamp)).sort((a, b) => a - b);
    // One burst puts every record within a few milliseconds; a paced replay spreads them over ~1.5 s.
    expect(times.at(-1)! - times[0]).toBeGreaterThanOrEqual(1000);
    // And steadily: no tenth of the records shares one 20 ms window.
    let crowded = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i] - times[j] > 20) j++;
      crowded = Math.max(crowded, i - j + 1);
    }
    expect(crowded).toBeLessThan(30);
  });
});
