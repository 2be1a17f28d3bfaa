/**
 * How many scorer replicas an input rate needs: ceil(input × headroom / per-replica rate), at least one, and
 * never more than the input topic's partitions (a consumer group gives each partition to one member, so more
 * replicas would idle). The reasoning is returned with the figure, and the figure in Prometheus text form for
 * KEDA or an HPA.
 */
import { ConfigError } from '../errors.js';

export interface CapacityInput {
  /** Input transactions per second (measured on the topic, or given). */
  inputRate: number;
  /** Sustained transactions per second of one replica (from the benchmark or a scorer's /metrics). */
  perReplicaRate: number;
  headroom: number;
  partitions?: number;
}

export interface CapacityResult extends CapacityInput {
  uncapped: number;
  replicas: number;
  cappedByPartitions: boolean;
  reasoning: string[];
  prometheus: string;
}

export function capacity(c: CapacityInput): CapacityResult {
  for (const [k, v] of [['input rate', c.inputRate], ['per-replica rate', c.perReplicaRate], ['headroom', c.headroom]] as const) {
    if (!Number.isFinite(v) || v < 0 || (k !== 'input rate' && v === 0)) throw new ConfigError(`${k}: expected a positive number, got ${v}`, { context: { field: k } });
  }
  if (c.partitions !== undefined && !(Number.isInteger(c.partitions) && c.partitions > 0)) {
    throw new ConfigError(`partitions: expected a positive integer, got ${c.partitions}`, { context: { field: 'partitions' } });
  }
  const needed = (c.inputRate * c.headroom) / c.perReplicaRate;
  const uncapped = Math.max(1, Math.ceil(needed));
  const replicas = c.partitions !== undefined ? Math.min(uncapped, c.partitions) : uncapped;
  const reasoning = [
    `input ${fmt(c.inputRate)} tx/s × headroom ${c.headroom} = ${fmt(c.inputRate * c.headroom)} tx/s to absorb`,
    `one replica sustains ${fmt(c.perReplicaRate)} tx/s → ${fmt(c.inputRate * c.headroom)} / ${fmt(c.perReplicaRate)} = ${needed.toFixed(2)} → ceil = ${uncapped}${needed < 1 ? ' (at least 1)' : ''}`,
  ];
  if (c.partitions !== undefined) {
    reasoning.push(
      uncapped > c.partitions
        ? `capped at ${c.partitions}: the input topic has ${c.partitions} partitions and a group member per partition is the most that helps; add partitions to go further`
        : `${c.partitions} partitions allow up to ${c.partitions} replicas: no cap`,
    );
  }
  const prometheus = [
    '# HELP fraudops_capacity_replicas_needed replicas needed for the input rate: ceil(input x headroom / per-replica), capped by partitions',
    '# TYPE fraudops_capacity_replicas_needed gauge',
    `fraudops_capacity_replicas_needed ${replicas}`,
    '',
  ].join('\n');
  return { ...c, uncapped, replicas, cappedByPartitions: replicas < uncapped, reasoning, prometheus };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
