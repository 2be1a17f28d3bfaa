/**
 * Per-terminal state for the terminal windows: the times of the terminal's transactions and, separately, the
 * times of those later reported as fraud. Labels arrive on their own, late and in any order; a window reads
 * only transactions (and labels of transactions) older than the label delay, so a label reported early is held
 * but not used until its transaction is old enough, exactly as in the batch SQL. Legitimate labels need no
 * state: risk is frauds / transactions in the window.
 */
import { TimeList } from './TimeList.js';
import { FloatReader, FloatWriter } from './floatCodec.js';

interface Terminal {
  tx: TimeList;
  frauds: TimeList;
}

export class TerminalState {
  private readonly keys = new Map<number, Terminal>();

  private get(terminalId: number): Terminal {
    let t = this.keys.get(terminalId);
    if (!t) this.keys.set(terminalId, (t = { tx: new TimeList(), frauds: new TimeList() }));
    return t;
  }

  /** Records that a transaction happened at the terminal (its label comes later, through `label`). */
  observe(terminalId: number, time: number): void {
    this.get(terminalId).tx.add(time);
  }

  /** Records the label of the terminal's transaction at `time`. */
  label(terminalId: number, time: number, fraud: number): void {
    if (fraud === 1) this.get(terminalId).frauds.add(time);
  }

  /**
   * For each window length w (seconds): transactions and frauds with time in (upper − w, upper], into
   * `n[i]` and `frauds[i]`. Entries ≤ evictBound are dropped first.
   */
  windows(terminalId: number, upper: number, lengths: readonly number[], evictBound: number, n: number[], frauds: number[]): void {
    const t = this.keys.get(terminalId);
    if (!t) {
      n.fill(0);
      frauds.fill(0);
      return;
    }
    t.tx.evictUpTo(evictBound);
    t.frauds.evictUpTo(evictBound);
    const txHi = t.tx.firstAfter(upper);
    const frHi = t.frauds.firstAfter(upper);
    for (let i = 0; i < lengths.length; i++) {
      n[i] = Math.max(0, txHi - t.tx.firstAfter(upper - lengths[i]));
      frauds[i] = Math.max(0, frHi - t.frauds.firstAfter(upper - lengths[i]));
    }
  }

  sweep(bound: number): void {
    for (const [id, t] of this.keys) {
      t.tx.evictUpTo(bound);
      t.frauds.evictUpTo(bound);
      if (t.tx.size === 0 && t.frauds.size === 0) this.keys.delete(id);
    }
  }

  get keyCount(): number {
    return this.keys.size;
  }

  get entryCount(): number {
    let n = 0;
    for (const t of this.keys.values()) n += t.tx.size + t.frauds.size;
    return n;
  }

  /** Layout: count, then per terminal: id, n, n times, f, f fraud times. */
  encode(w: FloatWriter): void {
    const ids = [...this.keys.keys()].sort((a, b) => a - b);
    w.push(ids.length);
    for (const id of ids) {
      const t = this.keys.get(id)!;
      const tx = t.tx.live();
      const fr = t.frauds.live();
      w.push(id, tx.length);
      w.pushAll(tx);
      w.push(fr.length);
      w.pushAll(fr);
    }
  }

  decodeInto(r: FloatReader): void {
    const count = r.next();
    for (let k = 0; k < count; k++) {
      const t = this.get(r.next());
      for (const time of r.take(r.next())) t.tx.add(time);
      for (const time of r.take(r.next())) t.frauds.add(time);
    }
  }
}
