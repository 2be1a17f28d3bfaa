/** `fraudops replay`: publishes raw daily files to a Kafka topic, as the source system would. */
import type { Command } from '../command.js';
import { ConfigError } from '../../errors.js';
import { STORE_SCHEMES } from '../../config/schemes.js';
import { checkBrokers } from '../../streaming/kafkaConnection.js';
import { checkTopic } from './stream.js';

export const replayCommand: Command = {
  name: 'replay',
  summary: 'publish the lines of raw daily files to a Kafka topic, keyed by customer id, and report the rate',
  usage: 'fraudops replay --raw <uri> --brokers B --topic transactions [--rate N|max] [--from D --days N] [--json]',
  description:
    'The header line is not published; every other line goes out as its original bytes, including lines the scorer will dead-letter. ' +
    'Partition = customer id mod partitions (the scorer picks each partition\'s customer history from the lake by the same rule). ' +
    'SASL_SSL: FRAUDOPS_KAFKA_SECURITY=sasl_ssl with FRAUDOPS_KAFKA_CA, FRAUDOPS_KAFKA_USERNAME and FRAUDOPS_KAFKA_PASSWORD or FRAUDOPS_KAFKA_PASSWORD_FILE.',
  examples: [
    'fraudops replay --raw ./raw --brokers 127.0.0.1:9092 --topic transactions --from 2019-09-01 --days 7',
    'fraudops replay --raw ./raw/2019-09-01.txt --brokers 127.0.0.1:9092 --topic transactions --rate 5000',
  ],
  flags: {
    raw: { type: 'uri', description: 'a raw day file, or a folder/prefix of them', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    brokers: { type: 'string', description: 'bootstrap brokers host:port[,…]', env: 'FRAUDOPS_KAFKA_BROKERS', configKey: 'kafka.brokers', required: true, placeholder: '<host:port>', check: checkBrokers },
    topic: { type: 'string', description: 'topic to publish to (created with --partitions if missing)', default: 'transactions', check: checkTopic },
    rate: { type: 'string', description: 'transactions per second, sent steadily (a send every 10 ms), or max', default: 'max', placeholder: '<N|max>', check: checkRate },
    from: { type: 'date', description: 'first day to publish', placeholder: 'YYYY-MM-DD' },
    days: { type: 'integer', description: 'number of days from --from', min: 1, max: 100_000 },
    partitions: { type: 'integer', description: 'partitions of a topic that does not exist yet', default: 6, min: 1, max: 10_000 },
  },
  async run(flags, io) {
    const { replay } = await import('../../streaming/replay.js');
    const { kafkaSettings } = await import('../../streaming/kafkaConnection.js');
    const rateText = String(flags.rate);
    const rate = rateText === 'max' ? undefined : Number(rateText);
    if (flags.days !== undefined && flags.from === undefined) throw new ConfigError('--days needs --from', { context: { field: 'days' } });
    const r = await replay({
      raw: String(flags.raw),
      kafka: kafkaSettings(String(flags.brokers)),
      topic: String(flags.topic),
      rate,
      from: flags.from as string | undefined,
      days: flags.days as number | undefined,
      partitions: Number(flags.partitions),
      signal: io.signal,
      onProgress: (n, r) => io.progress(`replay: ${n.toLocaleString('en-US')} lines, ${Math.round(r).toLocaleString('en-US')}/s`),
    });
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else io.out(`${r.topic}: ${r.messages.toLocaleString('en-US')} lines from ${r.files.length} file(s) in ${r.seconds.toFixed(2)} s = ${Math.round(r.messagesPerSecond).toLocaleString('en-US')} lines/s`);
    return 0;
  },
};

/** A replay rate: `max`, or a positive number of transactions per second. */
function checkRate(value: string): void {
  if (value === 'max') return;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(n > 0 && Number.isFinite(n))) throw new Error(`expected a positive number of transactions per second, or max; got "${value}"`);
}
