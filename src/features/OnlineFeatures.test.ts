import { describe, it, expect } from 'vitest';
import { OnlineFeatures, DAY_SECONDS } from './OnlineFeatures.js';
import { featureNames, DEFAULT_FEATURE_SPEC } from './spec.js';
import { scoreWithDelayedLabels, syntheticStream } from './online/testkit.js';
import { decodeSnapshot, encodeSnapshot } from './online/snapshot.js';

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

describe('features > online > amount-outlier counts', () => {
  const start = Date.UTC(2019, 3, 1) / 1000;
  const spec = DEFAULT_FEATURE_SPEC;
  const at = (name: string) => featureNames(spec).indexOf(name);

  it('counts earlier amount outliers against the mean of the customer\'s other transactions, not the current one', () => {
    const f = new OnlineFeatures(spec);
    for (let d = 0; d < 5; d++) f.score({ time: start + d * DAY_SECONDS, customerId: 1, terminalId: 1, amount: 10 });
    // 40.00 against a mean of 10.00 is 4× (> 3): an outlier, but it does not count itself.
    const stolen = f.score({ time: start + 5 * DAY_SECONDS, customerId: 1, terminalId: 1, amount: 40 });
    expect(stolen[at('CUSTOMER_ID_NB_OUTLIERS_7DAY_WINDOW')]).toBe(0);
    // 30.00 is exactly 3× the others' mean: not above it, so not an outlier.
    f.score({ time: start + 5 * DAY_SECONDS + 60, customerId: 1, terminalId: 1, amount: 30 });
    const next = f.score({ time: start + 6 * DAY_SECONDS, customerId: 1, terminalId: 1, amount: 10 });
    expect(next[at('CUSTOMER_ID_NB_OUTLIERS_7DAY_WINDOW')]).toBe(1);
    expect(next[at('CUSTOMER_ID_NB_OUTLIERS_14DAY_WINDOW')]).toBe(1);
    const week = f.score({ time: start + 12 * DAY_SECONDS, customerId: 1, terminalId: 1, amount: 10 });
    expect(week[at('CUSTOMER_ID_NB_OUTLIERS_7DAY_WINDOW')]).toBe(0);
    expect(week[at('CUSTOMER_ID_NB_OUTLIERS_14DAY_WINDOW')]).toBe(1);
    // Another customer's state is its own.
    expect(f.score({ time: start + 12 * DAY_SECONDS, customerId: 2, terminalId: 1, amount: 10 })[at('CUSTOMER_ID_NB_OUTLIERS_14DAY_WINDOW')]).toBe(0);
  });

  it('survives a snapshot mid-stream and forgets outliers past the longest window', () => {
    const txs = syntheticStream({ customers: 300, terminals: 400, days: 60, seed: 9, stolenShare: 0.01 });
    const all: number[][] = [];
    const whole = new OnlineFeatures(spec);
    scoreWithDelayedLabels(whole, txs, 0, txs.length, (_, out) => all.push([...out]));
    const outliers = all.filter((v) => v[at('CUSTOMER_ID_NB_OUTLIERS_14DAY_WINDOW')] > 0).length;
    expect(outliers).toBeGreaterThan(txs.length / 100);
    const cut = Math.floor(txs.length * 0.55);
    const first = new OnlineFeatures(spec);
    scoreWithDelayedLabels(first, txs, 0, cut, () => {});
    const { features: restored } = decodeSnapshot(encodeSnapshot(first, { next: cut }), spec);
    let differing = 0;
    scoreWithDelayedLabels(restored, txs, cut, txs.length, (i, out) => {
      for (let j = 0; j < out.length; j++) if (!Object.is(out[j], all[i][j])) differing++;
    });
    expect(differing).toBe(0);
    // 60 quiet days later every customer entry and outlier time is gone.
    whole.score({ time: txs[txs.length - 1].time + 60 * DAY_SECONDS, customerId: -1, terminalId: -1, amount: 1 });
    expect(whole.customers.entryCount).toBe(1);
  });
});
