import { describe, expect, it } from 'vitest';
import { ReplicaEstimate } from './ReplicaEstimate.js';

describe('streaming > ReplicaEstimate', () => {
  it('input rate from the growth of the end offsets; replicas by the capacity rule with a given per-replica rate', () => {
    const e = new ReplicaEstimate({ headroom: 1.5, partitions: 12, perReplicaRate: 10_000 });
    expect(e.update(1_000n, 0)).toBeUndefined();
    const r = e.update(1_000n + 60_000n, 2_000)!;
    expect(e.inputRate).toBe(30_000);
    // 30,000 × 1.5 / 10,000 = 4.5 → 5
    expect(r.replicas).toBe(5);
    expect(r.cappedByPartitions).toBe(false);
  });

  it('caps at the partitions and never says fewer than one', () => {
    const e = new ReplicaEstimate({ headroom: 1.3, partitions: 6, perReplicaRate: 100 });
    e.update(0n, 0);
    const busy = e.update(10_000n, 1_000)!;
    expect(busy.uncapped).toBe(130);
    expect(busy.replicas).toBe(6);
    expect(busy.cappedByPartitions).toBe(true);
    const idle = e.update(10_000n, 2_000)!;
    expect(e.inputRate).toBe(0);
    expect(idle.replicas).toBe(1);
  });

  it('measures the per-replica rate from batch work when none is given, and keeps it through quiet readings', () => {
    const e = new ReplicaEstimate({ headroom: 1, partitions: 6 });
    e.update(0n, 0);
    expect(e.update(4_000n, 1_000)).toBeUndefined(); // no work seen yet: no per-replica rate
    e.recordWork(2_000, 0.1);
    e.recordWork(2_000, 0.1);
    const r = e.update(8_000n, 2_000)!;
    expect(e.perReplicaRate).toBe(20_000);
    expect(r.replicas).toBe(1);
    e.recordWork(10, 1); // too few records to re-measure
    e.update(108_000n, 3_000);
    expect(e.perReplicaRate).toBe(20_000);
    expect(e.update(208_000n, 4_000)!.replicas).toBe(5);
  });
});
