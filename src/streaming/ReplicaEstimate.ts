/**
 * The replica count a running scorer exports for KEDA or an HPA (`fraudops_stream_replicas_desired`), by the rule
 * of `fraudops capacity`: ceil(input × headroom / per-replica), capped by the input topic's partitions.
 *
 * The input rate is how fast the input topic's end offsets grow between two readings, summed over every partition
 * (the whole topic, not only this replica's share). The per-replica rate is given (a benchmark's figure, steadier)
 * or measured: input records this replica handled per second of its own batch work (parse, score, commit), with
 * the waits for input left out, so a replica that is mostly idle still knows roughly what it could take.
 */
import { capacity, type CapacityResult } from './capacity.js';

export interface ReplicaEstimateOptions {
  headroom: number;
  /** Partitions of the input topic: the most replicas that can each own one. */
  partitions: number;
  /** Transactions per second one replica sustains; measured from the batches when not given. */
  perReplicaRate?: number;
}

/** Fewer records than this since the last reading leave the measured per-replica rate as it was (too noisy). */
const MIN_MEASURED_RECORDS = 500;

export class ReplicaEstimate {
  private last: { endOffsets: bigint; at: number } | undefined;
  private work = { records: 0, seconds: 0 };
  private measured: number | undefined;
  /** Input transactions per second at the last reading (undefined before the second). */
  inputRate: number | undefined;

  constructor(private readonly o: ReplicaEstimateOptions) {}

  /** After each batch: input records it took and the seconds its work lasted. */
  recordWork(records: number, seconds: number): void {
    this.work.records += records;
    this.work.seconds += seconds;
  }

  get perReplicaRate(): number | undefined {
    return this.o.perReplicaRate ?? this.measured;
  }

  /**
   * A reading of the input topic's end offsets, summed over its partitions, at `at` ms (monotonic). Returns the
   * figure with its reasoning once there are two readings and a per-replica rate.
   */
  update(endOffsets: bigint, at: number = performance.now()): CapacityResult | undefined {
    if (this.work.records >= MIN_MEASURED_RECORDS && this.work.seconds > 0) {
      this.measured = this.work.records / this.work.seconds;
      this.work = { records: 0, seconds: 0 };
    }
    const prev = this.last;
    this.last = { endOffsets, at };
    if (!prev || at <= prev.at) return undefined;
    // A topic recreated with fewer records reads as no input, not a negative rate.
    this.inputRate = Math.max(0, Number(endOffsets - prev.endOffsets)) / ((at - prev.at) / 1000);
    const per = this.perReplicaRate;
    if (per === undefined || !(per > 0)) return undefined;
    return capacity({ inputRate: this.inputRate, perReplicaRate: per, headroom: this.o.headroom, partitions: this.o.partitions });
  }
}
