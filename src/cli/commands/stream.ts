/** `fraudops stream`: the Kafka scorer (exactly-once, dead letters, hot model swap, /metrics). */
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../../config/schemes.js';
import { checkBrokers } from '../../streaming/kafkaConnection.js';
import type { Command } from '../command.js';

export const streamCommand: Command = {
  name: 'stream',
  summary: 'score a Kafka topic exactly once with the champion; dead letters, hot model swap, /metrics /healthz /readyz',
  usage: 'fraudops stream --brokers B --in T --out T [--dlq T] [--group G] [--model champion] [--lake <uri>] [--http-port P]',
  description:
    'Runs until SIGTERM or SIGINT: finishes the batch, commits, leaves the group and exits 0. ' +
    'Each transaction holds its predictions, dead letters and input offsets; read predictions with isolation.level=read_committed. ' +
    'One transaction commits while the next batches are scored; what was scored meanwhile forms the next one (up to --batch-size). ' +
    '/metrics exports fraudops_stream_replicas_desired for KEDA or an HPA: ceil(input rate × --headroom / per-replica rate), capped by the input partitions, as `fraudops capacity` computes it. ' +
    'SASL_SSL: FRAUDOPS_KAFKA_SECURITY=sasl_ssl, FRAUDOPS_KAFKA_CA, FRAUDOPS_KAFKA_USERNAME, FRAUDOPS_KAFKA_PASSWORD or FRAUDOPS_KAFKA_PASSWORD_FILE (never logged).',
  examples: [
    'fraudops stream --brokers 127.0.0.1:9092 --in transactions --out predictions --lake ./lake',
    'FRAUDOPS_KAFKA_SECURITY=sasl_ssl FRAUDOPS_KAFKA_CA=ca.crt FRAUDOPS_KAFKA_USERNAME=fraudops FRAUDOPS_KAFKA_PASSWORD_FILE=/run/secrets/kafka fraudops stream --brokers kafka:9094 --in transactions --out predictions',
  ],
  flags: {
    brokers: { type: 'string', description: 'bootstrap brokers host:port[,…]', env: 'FRAUDOPS_KAFKA_BROKERS', configKey: 'kafka.brokers', required: true, placeholder: '<host:port>', check: checkBrokers },
    in: { type: 'string', description: 'input topic of raw transaction lines', default: 'transactions', check: checkTopic },
    out: { type: 'string', description: 'predictions topic (keyed by transaction id)', default: 'predictions', check: checkTopic },
    dlq: { type: 'string', description: 'dead-letter topic (default <in>.dlq)', check: checkTopic },
    group: { type: 'string', description: 'consumer group', default: 'fraudops-scorer', configKey: 'stream.group' },
    model: { type: 'string', description: 'registry alias (followed live) or version number', default: 'champion' },
    lake: { type: 'uri', description: 'lake with customer and terminal history', env: 'FRAUDOPS_LAKE', configKey: 'lake', placeholder: '<uri>', schemes: STORE_SCHEMES },
    tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
    'http-port': { type: 'integer', description: 'port of /metrics, /healthz, /readyz (0: any free port)', default: 9464, min: 0, max: 65535, configKey: 'stream.httpPort' },
    'http-host': { type: 'string', description: 'address of the HTTP endpoint', default: '127.0.0.1', configKey: 'stream.httpHost' },
    'batch-size': {
      type: 'integer',
      description: 'most input messages per transaction (a transaction holds what was scored while the previous one committed)',
      default: 20_000, min: 1, max: 1_000_000, configKey: 'stream.batchSize',
    },
    'batch-time': {
      type: 'duration',
      description: 'how long a batch waits for more input once it has some (0: none, the lowest latency; a bare number is ms)',
      default: '0', min: 0, max: 3_600_000, configKey: 'stream.batchTime',
    },
    'model-poll': { type: 'duration', description: 'how often the alias is checked (a bare number is ms)', default: '5s', min: 10, max: 86_400_000, configKey: 'stream.modelPoll' },
    'track-every': { type: 'duration', durationUnit: 's', description: 'log throughput to the tracker this often (e.g. 60s; 0 = never; a bare number is seconds)', default: '60s', configKey: 'stream.trackEvery' },
    'with-features': { type: 'boolean', description: 'put each transaction\'s features in its prediction' },
    'at-least-once': { type: 'boolean', description: 'no Kafka transactions (benchmark comparison only)' },
    headroom: { type: 'number', description: 'safety factor over the input rate in fraudops_stream_replicas_desired', default: 1.3, above: 0, max: 1000 },
    'per-replica': { type: 'number', description: 'tx/s one replica sustains, for fraudops_stream_replicas_desired (default: measured from batch work)', above: 0, max: 1e12 },
  },
  async run(flags, io) {
    const { runStream } = await import('../../streaming/streamScorer.js');
    const { kafkaSettings } = await import('../../streaming/kafkaConnection.js');
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
      httpPort: Number(flags['http-port']),
      httpHost: String(flags['http-host']),
      batchSize: Number(flags['batch-size']),
      batchTimeMs: Number(flags['batch-time']),
      modelPollMs: Number(flags['model-poll']),
      trackEveryMs: Number(flags['track-every']),
      withFeatures: flags['with-features'] === true,
      exactlyOnce: flags['at-least-once'] !== true,
      headroom: Number(flags.headroom),
      perReplicaRate: flags['per-replica'] as number | undefined,
      signal: io.signal,
      log: (m) => io.err(m),
    }, io.ctx);
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else io.out(`stream stopped: ${r.consumed} consumed, ${r.produced} predictions, ${r.deadLetters} dead letters in ${r.seconds.toFixed(1)} s (model version ${r.modelVersion})`);
    return 0;
  },
};

/** Kafka topic names: 1-249 of letters, digits, `.`, `_` and `-` (what the broker accepts). */
export function checkTopic(topic: string): void {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..') {
    throw new Error(`expected a Kafka topic name (letters, digits, ".", "_", "-"; at most 249), got "${topic}"`);
  }
}
