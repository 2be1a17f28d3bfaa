/**
 * Incremental features from keyed state: what the streaming scorer computes per transaction. The values equal
 * the batch SQL's bit for bit (semantics in spec.ts), under the conditions a stream really has:
 * - `score(tx)` takes no label: a transaction is scored before anyone knows whether it was fraud.
 * - Labels come in separately through `label()`, late and in any order. A terminal window reads only labels of
 *   transactions at least the label delay old, so a label is never used earlier than the batch features use it;
 *   to equal batch, a transaction's label must arrive within the delay.
 * - State is bounded: per customer the last max(customer window) days, per terminal the last
 *   (delay + max terminal window) days. Entries past that are evicted when a key is touched, and every day of
 *   event time a sweep drops them from keys that went quiet.
 * - The state can be written to an object store with the input position it covers and read back
 *   (`online/snapshot.ts`).
 *
 * Each key's transactions must be fed in (time, transaction_id) order. Terminal transactions are observed at
 * scoring time by default; a scorer that sees only some customers (one partition of a stream) feeds terminal
 * history from elsewhere instead (`terminals: 'external'` and `observeTerminal`).
 */
import { featureNames, featureSpecHash, DEFAULT_FEATURE_SPEC, type FeatureSpec } from './spec.js';
import { CustomerState } from './online/CustomerState.js';
import { TerminalState } from './online/TerminalState.js';
import type { FloatReader, FloatWriter } from './online/floatCodec.js';

export const DAY_SECONDS = 86400;

/** What the scorer knows of a transaction when it scores it: no label. */
export interface OnlineTransaction {
  /** Epoch seconds (UTC). */
  time: number;
  customerId: number;
  terminalId: number;
  amount: number;
}

/** A transaction's label, reported after the fact. */
export interface TransactionLabel {
  /** The labelled transaction's time (epoch seconds), not the time the label was reported. */
  time: number;
  terminalId: number;
  fraud: number;
}

export interface OnlineFeaturesOptions {
  /**
   * `observe` (default): `score` records each transaction at its terminal and evicts terminal entries.
   * `external`: the caller feeds terminal history and evicts it (the state may be shared by several instances).
   */
  terminals?: 'observe' | 'external';
  /** How far behind the newest event time another key's events may still arrive; widens eviction. Default 0. */
  latenessSeconds?: number;
  /** Terminal state shared with other instances (one per stream partition, one terminal history). */
  terminalState?: TerminalState;
}

export interface OnlineStateSize {
  customers: number;
  terminals: number;
  /** Time entries held (customer transactions, terminal transactions, terminal frauds). */
  entries: number;
}

export class OnlineFeatures {
  readonly names: string[];
  readonly specHash: string;
  readonly customers: CustomerState;
  readonly terminals: TerminalState;
  /** Newest event time seen by `score`. */
  watermark = -Infinity;
  private nextSweep = -Infinity;
  private readonly maxCustomerWindow: number;
  private readonly terminalHorizon: number;
  private readonly lateness: number;
  private readonly observeTerminals: boolean;
  private readonly terminalLengths: number[];
  private readonly customerLengths: number[];
  private readonly ratioIndex: number[];
  private readonly windowN: number[];
  private readonly windowS: number[];
  private readonly terminalN: number[];
  private readonly terminalF: number[];
  /** Index of the outlier base window among the customer windows; -1 without outlier features. */
  private readonly outlierBase: number;
  private readonly outlierLengths: number[];

  constructor(
    readonly spec: FeatureSpec = DEFAULT_FEATURE_SPEC,
    options: OnlineFeaturesOptions = {},
  ) {
    this.names = featureNames(spec);
    this.outlierLengths = (spec.outlierWindowsDays ?? []).map((w) => w * DAY_SECONDS);
    this.outlierBase = this.outlierLengths.length > 0 ? spec.customerWindowsDays.indexOf(spec.outlierBaseWindowDays!) : -1;
    this.customers = new CustomerState(this.outlierBase >= 0);
    this.terminals = options.terminalState ?? new TerminalState();
    this.specHash = featureSpecHash(spec);
    this.maxCustomerWindow = Math.max(...spec.customerWindowsDays) * DAY_SECONDS;
    this.terminalHorizon = (spec.delayDays + Math.max(...spec.terminalWindowsDays)) * DAY_SECONDS;
    this.lateness = options.latenessSeconds ?? 0;
    this.observeTerminals = (options.terminals ?? 'observe') === 'observe';
    this.customerLengths = spec.customerWindowsDays.map((w) => w * DAY_SECONDS);
    this.terminalLengths = spec.terminalWindowsDays.map((w) => w * DAY_SECONDS);
    this.ratioIndex = spec.amountRatioWindowsDays.map((w) => spec.customerWindowsDays.indexOf(w));
    this.windowN = new Array<number>(this.customerLengths.length).fill(0);
    this.windowS = new Array<number>(this.customerLengths.length).fill(0);
    this.terminalN = new Array<number>(this.terminalLengths.length).fill(0);
    this.terminalF = new Array<number>(this.terminalLengths.length).fill(0);
  }

  /** Computes the features of `tx` from what is known before it, then adds it to the state. */
  score(tx: OnlineTransaction, out: Float64Array = new Float64Array(this.names.length)): Float64Array {
    const { spec } = this;
    const t = tx.time;
    if (t > this.watermark) this.advance(t);
    const cents = Math.round(tx.amount * 100);
    const date = new Date(t * 1000);
    let k = 0;
    out[k++] = tx.amount;
    const dow = date.getUTCDay();
    out[k++] = dow === 0 || dow === 6 ? 1 : 0;
    out[k++] = date.getUTCHours() <= spec.nightMaxHour ? 1 : 0;

    this.recordCustomer(tx.customerId, t, cents);
    const { windowN, windowS, terminalN, terminalF } = this;
    for (let i = 0; i < this.customerLengths.length; i++) {
      const n = windowN[i];
      out[k++] = n;
      out[k++] = windowS[i] / (n * 100);
    }

    const upper = t - spec.delayDays * DAY_SECONDS;
    // Shared terminal state is evicted by its owner, at the slowest reader's time, never by one reader's.
    const terminalBound = this.observeTerminals ? t - this.terminalHorizon : -Infinity;
    this.terminals.windows(tx.terminalId, upper, this.terminalLengths, terminalBound, terminalN, terminalF);
    for (let i = 0; i < terminalN.length; i++) {
      const n = terminalN[i];
      out[k++] = n;
      out[k++] = n === 0 ? 0 : terminalF[i] / n;
    }
    if (this.observeTerminals) this.terminals.observe(tx.terminalId, t);

    for (const i of this.ratioIndex) {
      out[k++] = windowS[i] === 0 ? 1 : (cents * windowN[i]) / windowS[i];
    }
    for (const length of this.outlierLengths) {
      out[k++] = this.customers.countOutliers(tx.customerId, t - length, t - 1, t - this.maxCustomerWindow);
    }
    return out;
  }

  /** Adds a past transaction of the customer to the state without scoring it (history read from the lake). */
  remember(tx: OnlineTransaction): void {
    if (tx.time > this.watermark) this.advance(tx.time);
    this.recordCustomer(tx.customerId, tx.time, Math.round(tx.amount * 100));
    if (this.observeTerminals) this.terminals.observe(tx.terminalId, tx.time);
  }

  /**
   * Appends the transaction to the customer's history, leaves its customer windows (it included) in windowN and
   * windowS, and marks it when it is an amount outlier against the customer's other transactions of the base
   * window: cents · (n − 1) > ratio · (sum − cents), in exact integers.
   */
  private recordCustomer(customerId: number, t: number, cents: number): void {
    const cq = this.customers.record(customerId, t, cents, t - this.maxCustomerWindow);
    for (let i = 0; i < this.customerLengths.length; i++) cq.window(t - this.customerLengths[i], t, this.windowN, this.windowS, i);
    const b = this.outlierBase;
    if (b >= 0 && cents * (this.windowN[b] - 1) > this.spec.outlierRatio! * (this.windowS[b] - cents)) this.customers.markOutlier(customerId, t);
  }

  /** Records a label reported for an earlier transaction. */
  label(l: TransactionLabel): void {
    this.terminals.label(l.terminalId, l.time, l.fraud);
  }

  /** Records a transaction at a terminal, for `terminals: 'external'` (history read from the lake). */
  observeTerminal(terminalId: number, time: number): void {
    this.terminals.observe(terminalId, time);
  }

  /** Moves event time forward; once per day of event time, drops expired entries of every key. */
  advance(time: number): void {
    if (time > this.watermark) this.watermark = time;
    if (this.watermark < this.nextSweep) return;
    this.sweep();
    this.nextSweep = this.watermark + DAY_SECONDS;
  }

  /** Drops every entry no future transaction (at or after the watermark, less the lateness) can need. */
  sweep(): void {
    const now = this.watermark - this.lateness;
    this.customers.sweep(now - this.maxCustomerWindow);
    if (this.observeTerminals) this.terminals.sweep(now - this.terminalHorizon);
  }

  stateSize(): OnlineStateSize {
    return {
      customers: this.customers.keyCount,
      terminals: this.terminals.keyCount,
      entries: this.customers.entryCount + this.terminals.entryCount,
    };
  }

  /** Writes the whole state (see online/snapshot.ts for the file around it). */
  encode(w: FloatWriter): void {
    w.push(this.watermark === -Infinity ? Number.MIN_SAFE_INTEGER : this.watermark);
    this.customers.encode(w);
    this.terminals.encode(w);
  }

  decodeInto(r: FloatReader): void {
    const watermark = r.next();
    if (watermark !== Number.MIN_SAFE_INTEGER && watermark > this.watermark) this.watermark = watermark;
    this.customers.decodeInto(r);
    this.terminals.decodeInto(r);
  }
}
