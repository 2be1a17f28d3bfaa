/** `fraudops stream`: the Kafka scorer (exactly-once, dead letters, hot model swap, /metrics). */
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { Command } from '../command.js';
import { ConfigError } from '../../errors.js';

export const streamCommand: Command = {
  name: 'stream',
  summary: 'score a Kafka topic exactly once with the champion; dead letters, hot model swap, /metrics /healthz /readyz',
  usage: 'fraudops stream --brokers B --in T --out T [--dlq T] [--group G] [--model champion] [--lake <uri>] [--http-port P]',
  description:
    'Runs until SIGTERM or SIGINT: finishes the batch, commits, leaves the group and exits 0. ' +
    'Each batch is one Kafka transaction with its predictions, dead letters and input offsets; read predictions with isolation.level=read_committed. ' +
    'SASL_SSL: FRAUDOPS_KAFKA_SECURITY=sasl_ssl, FRAUDOPS_KAFKA_CA, FRAUDOPS_KAFKA_USERNAME, FRAUDOPS_KAFKA_PASSWORD or FRAUDOPS_KAFKA_PASSWORD_FILE (never logged).',
  examples: [
    'fraudops stream --brokers 127.0.0.1:9092 --in transactions --out predictions --lake ./lake',
    'FRAUDOPS_KAFKA_SECURITY=sasl_ssl FRAUDOPS_KAFKA_CA=ca.crt FRAUDOPS_KAFKA_USERNAME=fraudops FRAUDOPS_KAFKA_PASSWORD_FILE=/run/secrets/kafka fraudops stream --brokers kafka:9094 --in transactions --out predictions',
  ],
  flags: {
    brokers: { type: 'string', description: 'bootstrap brokers host:port[,…]', env: 'FRAUDOPS_KAFKA_BROKERS', required: true, placeholder: '<host:port>' },
    in: { type: 'string', description: 'input topic of raw transaction lines', default: 'transactions' },
    out: { type: 'string', description: 'predictions topic (keyed by transaction id)', default: 'predictions' },
    dlq: { type: 'string', description: 'dead-letter topic (default <in>.dlq)' },
    group: { type: 'string', description: 'consumer group', default: 'fraudops-scorer' },
    model: { type: 'string', description: 'registry alias (followed live) or version number', default: 'champion' },
    lake: { type: 'string', description: 'lake with customer and terminal history', env: 'FRAUDOPS_LAKE', configKey: 'lake', placeholder: '<uri>' },
    tracking: { type: 'string', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>' },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
    'http-port': { type: 'number', description: 'port of /metrics, /healthz, /readyz', default: 9464 },
    'http-host': { type: 'string', description: 'address of the HTTP endpoint', default: '127.0.0.1' },
    'batch-size': { type: 'number', description: 'most input messages per transaction', default: 5000 },
    'batch-time': { type: 'number', description: 'longest wait to fill a batch, ms', default: 100 },
    'model-poll': { type: 'number', description: 'how often the alias is checked, ms', default: 5000 },
    'track-every': { type: 'string', description: 'log throughput to the tracker this often (e.g. 60s; 0 = never)', default: '60s' },
    'with-features': { type: 'boolean', description: 'put each transaction\'s features in its prediction' },
    'at-least-once': { type: 'boolean', description: 'no Kafka transactions (benchmark comparison only)' },
  },
  async run(flags, io) {
    const { runStream } = await import('../../streaming/streamScorer.js');
    const { kafkaSettings } = await import('../../streaming/kafkaConnection.js');
    const track = /^(\d+)(ms|s|m)?$/.exec(String(flags['track-every']));
    if (!track) throw new ConfigError(`--track-every: expected a duration such as 60s, got "${String(flags['track-every'])}"`, { context: { field: 'track-every' } });
    const trackEveryMs = Number(track[1]) * (track[2] === 'ms' ? 1 : track[2] === 'm' ? 60_000 : 1000);
    const port = Number(flags['http-port']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--http-port: expected 0..65535, got ${port}`, { context: { field: 'http-port' } });
    const input = String(flags.in);
    const r = await runStream({
      kafka: kafkaSettings(String(flags.brokers)),
      input,
      output: String(flags.out),
      dlq: typeof flags.dlq === 'string' ? flags.dlq : `${input}.dlq`,
      group: String(flags.group),
      model: String(flags.model),
      lake: flags.lake as string | undefined,
      tracking: flags.tracking as string | undefined,
      registeredModel: String(flags['registered-model']),
      httpPort: port,
      httpHost: String(flags['http-host']),
      batchSize: Number(flags['batch-size']),
      batchTimeMs: Number(flags['batch-time']),
      modelPollMs: Number(flags['model-poll']),
      trackEveryMs,
      withFeatures: flags['with-features'] === true,
      exactlyOnce: flags['at-least-once'] !== true,
      cacheDir: join(tmpdir(), 'fraudops-cache'),
      signal: io.signal,
      log: (m) => io.err(m),
    });
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else io.out(`stream stopped: ${r.consumed} consumed, ${r.produced} predictions, ${r.deadLetters} dead letters in ${r.seconds.toFixed(1)} s (model version ${r.modelVersion})`);
    return 0;
  },
};
