/** `fraudops capacity`: scorer replicas an input rate needs, with the reasoning, and as a Prometheus metric. */
import type { Command } from '../command.js';
import { ConfigError } from '../../errors.js';
import { checkBrokers } from '../../streaming/kafkaConnection.js';
import { checkTopic } from './stream.js';

export const capacityCommand: Command = {
  name: 'capacity',
  summary: 'replicas of the scorer needed for an input rate: ceil(input × headroom / per-replica), capped by partitions',
  usage: 'fraudops capacity --per-replica N (--input-rate N | --brokers B --topic T) [--headroom 1.3] [--partitions P] [--prometheus] [--json]',
  description:
    'The per-replica rate comes from `npm run bench -- stream` or a scorer\'s fraudops_stream_consumed_per_second. ' +
    'With --brokers and --topic, the input rate is measured from the topic\'s end offsets over --sample seconds and the partitions are read from the topic. ' +
    '--prometheus prints the figure as fraudops_capacity_replicas_needed for a textfile collector, KEDA or an HPA.',
  examples: ['fraudops capacity --input-rate 30000 --per-replica 25000 --partitions 12', 'fraudops capacity --brokers 127.0.0.1:9092 --topic transactions --per-replica 25000 --prometheus'],
  flags: {
    'input-rate': { type: 'number', description: 'input transactions per second', min: 0, max: 1e12 },
    'per-replica': { type: 'number', description: 'transactions per second one replica sustains', required: true, above: 0, max: 1e12 },
    headroom: { type: 'number', description: 'safety factor over the input rate', default: 1.3, above: 0, max: 1000 },
    partitions: { type: 'integer', description: 'partitions of the input topic (the cap)', min: 1, max: 100_000 },
    brokers: { type: 'string', description: 'measure the input rate on this cluster', env: 'FRAUDOPS_KAFKA_BROKERS', configKey: 'kafka.brokers', placeholder: '<host:port>', check: checkBrokers },
    topic: { type: 'string', description: 'input topic to measure', default: 'transactions', check: checkTopic },
    sample: { type: 'duration', durationUnit: 's', description: 'time between the two offset readings (a bare number is seconds)', default: '10s', min: 100, max: 3_600_000 },
    prometheus: { type: 'boolean', description: 'print the figure in Prometheus text format' },
  },
  async run(flags, io) {
    const { capacity } = await import('../../streaming/capacity.js');
    let inputRate = flags['input-rate'] as number | undefined;
    let partitions = flags.partitions as number | undefined;
    if (inputRate === undefined) {
      if (typeof flags.brokers !== 'string') throw new ConfigError('give --input-rate, or --brokers and --topic to measure it', { context: { field: 'input-rate' } });
      const { measureTopicRate } = await import('../../streaming/topicRate.js');
      const { kafkaSettings } = await import('../../streaming/kafkaConnection.js');
      const m = await measureTopicRate(kafkaSettings(flags.brokers), String(flags.topic), Number(flags.sample), io.signal);
      inputRate = m.rate;
      partitions ??= m.partitions;
    }
    const r = capacity({ inputRate, perReplicaRate: Number(flags['per-replica']), headroom: Number(flags.headroom), partitions });
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else if (flags.prometheus === true) io.out(r.prometheus);
    else {
      io.out(`replicas needed: ${r.replicas}`);
      for (const line of r.reasoning) io.out(`  ${line}`);
    }
    return 0;
  },
};
