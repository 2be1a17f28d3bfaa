import { describe, it, expect } from 'vitest';
import { capacity } from './capacity.js';
import { isFraudopsError } from '../errors.js';

describe('streaming > capacity', () => {
  it('is ceil(input × headroom / per-replica), at least one', () => {
    expect(capacity({ inputRate: 30_000, perReplicaRate: 13_000, headroom: 1 }).replicas).toBe(3);
    expect(capacity({ inputRate: 30_000, perReplicaRate: 10_000, headroom: 1.3 }).replicas).toBe(4);
    expect(capacity({ inputRate: 0, perReplicaRate: 10_000, headroom: 1.3 }).replicas).toBe(1);
  });

  it('is capped by the partition count and says so', () => {
    const r = capacity({ inputRate: 100_000, perReplicaRate: 10_000, headroom: 1.5, partitions: 6 });
    expect(r.uncapped).toBe(15);
    expect(r.replicas).toBe(6);
    expect(r.cappedByPartitions).toBe(true);
    expect(r.reasoning.join('\n')).toMatch(/capped at 6/);
    expect(r.prometheus).toMatch(/^fraudops_capacity_replicas_needed 6$/m);
  });

  it('refuses rates that are not positive numbers', () => {
    expect(() => capacity({ inputRate: 1, perReplicaRate: 0, headroom: 1 })).toThrow();
    try {
      capacity({ inputRate: Number.NaN, perReplicaRate: 1, headroom: 1 });
    } catch (e) {
      expect(isFraudopsError(e) && e.code).toBe('CONFIG_INVALID');
    }
  });
});
