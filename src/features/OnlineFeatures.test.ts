import { describe, it, expect } from 'vitest';
import { OnlineFeatures, DAY_SECONDS } from './OnlineFeatures.js';
import { featureNames, DEFAULT_FEATURE_SPEC } from './spec.js';
import { scoreWithDelayedLabels, syntheticStream } from './online/testkit.js';

const names = featureNames();
const col = (name: string) => names.indexOf(name);

describe('features > online > labels', () => {
  const start = Date.UTC(2019, 3, 1) / 1000;

  it('never uses a label before its transaction is as old as the label delay', () => {
    const f = new OnlineFeatures();
    f.score({ time: start, customerId: 1, terminalId: 9, amount: 10 });
    // Reported at once: the transaction is still younger than the delay, so no window may count it yet.
    f.label({ time: start, terminalId: 9, fraud: 1 });
    const early = f.score({ time: start + 7 * DAY_SECONDS - 1, customerId: 2, terminalId: 9, amount: 10 });
    expect(early[col('TERMINAL_ID_NB_TX_1DAY_WINDOW')]).toBe(0);
    expect(early[col('TERMINAL_ID_RISK_1DAY_WINDOW')]).toBe(0);
    const due = f.score({ time: start + 7 * DAY_SECONDS, customerId: 3, terminalId: 9, amount: 10 });
    expect(due[col('TERMINAL_ID_NB_TX_1DAY_WINDOW')]).toBe(1);
    expect(due[col('TERMINAL_ID_RISK_1DAY_WINDOW')]).toBe(1);
  });

  it('gives the same features whether labels come at once or exactly at the delay', () => {
    const txs = syntheticStream({ customers: 200, terminals: 300, days: 20, seed: 5 });
    const atDelay: number[] = [];
    scoreWithDelayedLabels(new OnlineFeatures(), txs, 0, txs.length, (_, out) => atDelay.push(...out));
    const atOnce = new OnlineFeatures();
    const out = new Float64Array(names.length);
    let differing = 0;
    txs.forEach((tx, i) => {
      atOnce.score(tx, out);
      atOnce.label(tx);
      for (let j = 0; j < names.length; j++) if (!Object.is(out[j], atDelay[i * names.length + j])) differing++;
    });
    expect(differing).toBe(0);
    expect(txs.some((tx) => tx.fraud === 1)).toBe(true);
  });

  it('counts a label that arrives after the delay only from then on', () => {
    const f = new OnlineFeatures();
    f.score({ time: start, customerId: 1, terminalId: 9, amount: 10 });
    const before = f.score({ time: start + 7 * DAY_SECONDS + 10, customerId: 2, terminalId: 9, amount: 10 });
    expect(before[col('TERMINAL_ID_RISK_1DAY_WINDOW')]).toBe(0);
    f.label({ time: start, terminalId: 9, fraud: 1 });
    const after = f.score({ time: start + 7 * DAY_SECONDS + 20, customerId: 3, terminalId: 9, amount: 10 });
    expect(after[col('TERMINAL_ID_RISK_1DAY_WINDOW')]).toBe(1);
  });

  it('takes terminal history from outside when told to', () => {
    const f = new OnlineFeatures(DEFAULT_FEATURE_SPEC, { terminals: 'external' });
    f.score({ time: start, customerId: 1, terminalId: 9, amount: 10 });
    expect(f.stateSize().terminals).toBe(0);
    f.observeTerminal(9, start);
    f.label({ time: start, terminalId: 9, fraud: 0 });
    const v = f.score({ time: start + 8 * DAY_SECONDS, customerId: 1, terminalId: 9, amount: 10 });
    expect(v[col('TERMINAL_ID_NB_TX_7DAY_WINDOW')]).toBe(1);
    expect(v[col('TERMINAL_ID_RISK_7DAY_WINDOW')]).toBe(0);
  });
});

describe('features > online > bounded state', () => {
  it('stays flat over 90 simulated days of a fixed population', () => {
    const txs = syntheticStream({ customers: 2000, terminals: 3000, days: 90, seed: 11 });
    const f = new OnlineFeatures();
    const byDay: { customers: number; terminals: number; entries: number }[] = [];
    let day = -1;
    const t0 = txs[0].time - (txs[0].time % DAY_SECONDS);
    scoreWithDelayedLabels(f, txs, 0, txs.length, (i) => {
      const d = Math.floor((txs[i].time - t0) / DAY_SECONDS);
      if (d !== day) {
        day = d;
        byDay.push(f.stateSize());
      }
    });
    // After the longest window (7 + 30 days) has filled, the state stops growing with time.
    const filled = byDay.slice(40);
    const entries = filled.map((s) => s.entries);
    const mean = entries.reduce((a, b) => a + b, 0) / entries.length;
    expect(Math.max(...entries)).toBeLessThan(mean * 1.05);
    expect(Math.min(...entries)).toBeGreaterThan(mean * 0.95);
    // Customer entries cover 30 days and terminal entries 37, of ~2 tx/day per customer: far below 90 days.
    expect(mean).toBeLessThan(txs.length / 90 * 70);
    expect(byDay[89].customers).toBeLessThanOrEqual(2000);
    expect(byDay[89].terminals).toBeLessThanOrEqual(3000);
  });

  it('drops customers and terminals that went quiet', () => {
    const f = new OnlineFeatures();
    const start = Date.UTC(2019, 3, 1) / 1000;
    f.score({ time: start, customerId: 1, terminalId: 1, amount: 1 });
    f.label({ time: start, terminalId: 1, fraud: 1 });
    expect(f.stateSize()).toEqual({ customers: 1, terminals: 1, entries: 3 });
    f.score({ time: start + 38 * DAY_SECONDS, customerId: 2, terminalId: 2, amount: 1 });
    expect(f.stateSize()).toEqual({ customers: 1, terminals: 1, entries: 2 });
  });
});
