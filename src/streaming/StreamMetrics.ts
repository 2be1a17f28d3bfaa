/**
 * The scorer's live numbers, in Prometheus form (prom-client), served on /metrics: what an operator and an
 * autoscaler (KEDA, an HPA) read. Rates are also kept as plain numbers for /readyz and for the tracker.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { QUARANTINE_REASONS } from '../quality.js';
import type { ReplicaEstimate } from './ReplicaEstimate.js';

export class StreamMetrics {
  readonly registry = new Registry();
  readonly consumed = new Counter({ name: 'fraudops_stream_consumed_total', help: 'input messages consumed (scored or dead-lettered)', registers: [this.registry] });
  readonly produced = new Counter({ name: 'fraudops_stream_produced_total', help: 'predictions produced in committed transactions', registers: [this.registry] });
  readonly replayed = new Counter({ name: 'fraudops_stream_replayed_total', help: 'input messages replayed without output to rebuild state', registers: [this.registry] });
  readonly deadLetters = new Counter({ name: 'fraudops_stream_dead_letters_total', help: 'invalid input lines sent to the dead-letter topic', labelNames: ['reason'], registers: [this.registry] });
  readonly consumedRate = new Gauge({ name: 'fraudops_stream_consumed_per_second', help: 'input messages per second over the last interval', registers: [this.registry] });
  readonly producedRate = new Gauge({ name: 'fraudops_stream_produced_per_second', help: 'predictions per second over the last interval', registers: [this.registry] });
  readonly lag = new Gauge({ name: 'fraudops_stream_lag', help: 'messages behind the end of each input partition', labelNames: ['topic', 'partition'], registers: [this.registry] });
  readonly latency = new Histogram({
    name: 'fraudops_stream_latency_seconds',
    help: 'from the input record timestamp to the prediction',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({ name: 'fraudops_stream_batch_size', help: 'input messages per transaction', buckets: [1, 10, 100, 500, 1000, 2000, 5000, 10000, 20000, 50000], registers: [this.registry] });
  readonly commitSeconds = new Histogram({
    name: 'fraudops_stream_transaction_commit_seconds',
    help: 'time of one Kafka transaction (send, offsets, commit)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly aborted = new Counter({ name: 'fraudops_stream_transactions_aborted_total', help: 'transactions aborted (state rebuilt after each)', registers: [this.registry] });
  readonly modelVersion = new Gauge({ name: 'fraudops_stream_model_version', help: 'registered model version in use', labelNames: ['model'], registers: [this.registry] });
  readonly stateCustomers = new Gauge({ name: 'fraudops_stream_state_customers', help: 'customers held in feature state', registers: [this.registry] });
  readonly stateTerminals = new Gauge({ name: 'fraudops_stream_state_terminals', help: 'terminals held in feature state', registers: [this.registry] });
  readonly stateEntries = new Gauge({ name: 'fraudops_stream_state_entries', help: 'time entries held in feature state', registers: [this.registry] });
  readonly lakeDaysMissing = new Gauge({ name: 'fraudops_stream_lake_days_missing', help: 'days terminal windows need that the lake does not have yet', registers: [this.registry] });
  readonly inputRate = new Gauge({ name: 'fraudops_stream_input_per_second', help: 'growth of the input topic (every partition) per second, from its end offsets', registers: [this.registry] });
  readonly replicaCapacity = new Gauge({
    name: 'fraudops_stream_replica_capacity_per_second',
    help: 'transactions per second one replica sustains (--per-replica, or measured from batch work without input waits)',
    registers: [this.registry],
  });
  readonly replicasDesired = new Gauge({
    name: 'fraudops_stream_replicas_desired',
    help: 'replicas the input rate needs: ceil(input x headroom / per-replica), at least 1, capped by the input partitions (as fraudops capacity)',
    registers: [this.registry],
  });
  readonly ready = new Gauge({ name: 'fraudops_stream_ready', help: '1 when connected, assigned and committing', registers: [this.registry] });

  constructor() {
    // Every reason is listed from the start, at zero, so a dashboard or alert sees the series before the first one.
    for (const reason of QUARANTINE_REASONS) this.deadLetters.inc({ reason }, 0);
  }

  /** Reads the input topic's end offsets (summed over its partitions) into the replica gauges. */
  observeInputEnd(estimate: ReplicaEstimate, endOffsets: bigint): void {
    const r = estimate.update(endOffsets);
    if (estimate.inputRate !== undefined) this.inputRate.set(estimate.inputRate);
    if (estimate.perReplicaRate !== undefined) this.replicaCapacity.set(estimate.perReplicaRate);
    if (r) this.replicasDesired.set(r.replicas);
  }

  private lastTick = { at: performance.now(), consumed: 0, produced: 0 };
  totals = { consumed: 0, produced: 0, dead: 0 };

  /** Updates the per-second gauges from the counters since the last call. */
  tick(): { consumedPerSecond: number; producedPerSecond: number } {
    const now = performance.now();
    const dt = (now - this.lastTick.at) / 1000;
    const c = dt > 0 ? (this.totals.consumed - this.lastTick.consumed) / dt : 0;
    const p = dt > 0 ? (this.totals.produced - this.lastTick.produced) / dt : 0;
    this.consumedRate.set(c);
    this.producedRate.set(p);
    this.lastTick = { at: now, consumed: this.totals.consumed, produced: this.totals.produced };
    return { consumedPerSecond: c, producedPerSecond: p };
  }
}
