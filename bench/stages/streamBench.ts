/**
 * The stream bench: `fraudops replay` → `fraudops stream` → predictions on the local broker, on generated data
 * (≥ 5M transactions by default) in a topic of 6 partitions. Reports the scorer's sustained transactions/s with
 * exactly-once and at-least-once, each against the broker's own ceiling (Kafka's ProducerPerformance and
 * ConsumerPerformance on the same broker); p50/p99 from event to score at a steady 5k tx/s, exactly-once; and the
 * scorer's resident memory against the customers it holds in state.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { ensureTopics } from '../../src/streaming/topics.js';
import { kafkaSettings } from '../../src/streaming/kafkaConnection.js';
import { DATA_OPTIONS, dataParams, positiveInt } from '../lib/dataOptions.js';
import { cliPath, datasetKey, ensureGenerated } from '../lib/generatedData.js';
import { measureCommand } from '../lib/measureCommand.js';
import { BenchUsageError } from '../lib/options.js';
import { check, type BenchCheck, type BenchContext, type BenchRow, type BenchStage } from '../lib/stage.js';
import { formatBytes, formatCount } from '../lib/table.js';
import { ensurePreparedLake } from '../train/preparedLake.js';
import { ensureChampion } from '../stream/benchChampion.js';
import { deleteTopics, predictionLatencies, type LatencySummary } from '../stream/benchTopics.js';
import { consumerPerformance, producerPerformance, type PerfResult } from '../stream/brokerPerf.js';
import { ScorerProcess, sustainedRate, type ScorerSample } from '../stream/scorerProcess.js';
import { ScorerGroup } from '../stream/scorerGroup.js';

const GOAL_RATE = 100_000;
const FLOOR_RATE = 20_000;
const GOAL_P99_MS = 100;
const DEFAULT_ROWS = 5_000_000;
const PERF_RECORDS = 1_000_000;

interface ReplayReport {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
}

interface ScorerRun {
  mode: 'exactly-once' | 'at-least-once';
  rows: number;
  seconds: number;
  rate: number;
  startupSeconds: number;
  /** CPU seconds per transaction of the scorer and of the broker over the sustained part (null when unknown). */
  scorerCpuPerTx: number | null;
  brokerCpuPerTx: number | null;
  /** From spawning the scorer to the sample that saw every input consumed. */
  drainSeconds: number;
  peakRssBytes: number | null;
  final: ScorerSample;
  samples: ScorerSample[];
}

export const streamBench: BenchStage = {
  name: 'stream',
  summary: 'replay → stream → predictions on the local broker: tx/s exactly-once and not vs Kafka\'s perf tools, p99 at 5k tx/s, RSS',
  description:
    'Generates (or reuses) course-format raw files, prepares them into a lake, trains a logistic regression and ' +
    'promotes it (set-up, cached, not measured). Then, on the broker at --brokers: `fraudops replay --rate max` of ' +
    'every file into a new topic of --partitions partitions; `fraudops stream` (exactly-once, then ' +
    '--at-least-once, each a new consumer group) drains it while the bench samples its /metrics and RSS every ' +
    'second; Kafka\'s ProducerPerformance (plain and transactional) and ConsumerPerformance move the same number ' +
    'of records of the same lines on the same broker; finally a fresh exactly-once scorer is warmed on one day and ' +
    'fed the last --latency-days at --latency-rate tx/s with `replay --rate`, and the latencyMs of its committed ' +
    'predictions (scoring time − input record time) give p50 and p99. Topics are deleted afterwards unless --keep.',
  options: {
    ...DATA_OPTIONS,
    rows: { ...DATA_OPTIONS.rows, default: DEFAULT_ROWS },
    brokers: { type: 'string', description: 'bootstrap broker (plaintext)', default: process.env.FRAUDOPS_KAFKA_BROKERS ?? '127.0.0.1:9092', placeholder: '<host:port>' },
    partitions: { type: 'number', description: 'partitions of the input topic', default: 6 },
    replicas: { type: 'number', description: 'scorer processes in the consumer group for the throughput runs (the latency run uses one)', default: 1 },
    'batch-size': { type: 'number', description: 'passed to stream --batch-size (most messages per transaction); default the scorer\'s' },
    'latency-rate': { type: 'number', description: 'steady input rate of the latency run, tx/s', default: 5000 },
    'latency-days': { type: 'number', description: 'days replayed at --latency-rate (the last ones; the day before warms the scorer)', default: 1 },
    'skip-at-least-once': { type: 'boolean', description: 'leave out the at-least-once run' },
    'skip-perf': { type: 'boolean', description: 'leave out Kafka\'s perf tools' },
    'skip-latency': { type: 'boolean', description: 'leave out the latency run' },
  },
  examples: [
    'npm run bench -- stream',
    'npm run bench -- stream --rows 200k --days 10 --terminals 10000',
    'npm run bench -- stream --rows 10M --batch-size 10000 --json',
  ],

  async run(ctx) {
    const params = dataParams(ctx.options);
    const partitions = positiveInt(ctx.options, 'partitions');
    const latencyDays = positiveInt(ctx.options, 'latency-days');
    const latencyRate = positiveInt(ctx.options, 'latency-rate');
    const replicas = positiveInt(ctx.options, 'replicas');
    if (replicas > partitions) throw new BenchUsageError(`--replicas ${replicas} is more than the ${partitions} partitions: a replica beyond the partition count has nothing to read`);
    if (params.days < 5) throw new BenchUsageError('--days must be at least 5 (training needs train, delay and test windows)');
    if (!ctx.options['skip-latency'] && params.days < latencyDays + 1) throw new BenchUsageError('--latency-days must leave at least one earlier day to warm the scorer');
    const brokers = String(ctx.options.brokers);
    const loadAtStart = loadavg()[0];

    const data = await ensureGenerated(ctx, params, false);
    const lake = await ensurePreparedLake(ctx, data);
    const key = datasetKey(params);
    const champion = await ensureChampion(ctx, key, lake.dir, params.days);

    const id = `bench-stream-${Date.now().toString(36)}`;
    const topics: string[] = [];
    const scratch = join(ctx.dataDir, 'runs', id);
    await mkdir(scratch, { recursive: true });
    const cli = cliPath(ctx.root);
    const extra = ctx.options['batch-size'] === undefined ? [] : ['--batch-size', String(positiveInt(ctx.options, 'batch-size'))];
    const scorerArgs = (input: string, suffix: string, mode: ScorerRun['mode']) => {
      topics.push(`${id}-${suffix}-predictions`, `${id}-${suffix}-dlq`);
      return [
        '--brokers', brokers, '--in', input, '--out', `${id}-${suffix}-predictions`, '--dlq', `${id}-${suffix}-dlq`, '--group', `${id}-${suffix}`,
        '--lake', lake.dir, '--tracking', champion.tracking, '--track-every', '0', ...extra,
        ...(mode === 'at-least-once' ? ['--at-least-once'] : []),
      ];
    };

    const replayTo = async (topic: string, more: string[]): Promise<ReplayReport> => {
      topics.push(topic);
      const m = await measureCommand(process.execPath, [cli, 'replay', '--raw', data.dir, '--brokers', brokers, '--topic', topic, '--partitions', String(partitions), '--json', ...more], {
        cwd: ctx.root,
        signal: ctx.signal,
      });
      if (m.exitCode !== 0) throw new Error(`replay exited with ${m.exitCode}:\n${m.stderrTail.slice(-4000)}`);
      return JSON.parse(m.stdout) as ReplayReport;
    };

    const drain = async (input: string, count: number, mode: ScorerRun['mode'], suffix: string): Promise<ScorerRun> => {
      ctx.log(`stream ${mode}: draining ${formatCount(count)} transactions...`);
      const scorer = await ScorerGroup.start(replicas, process.execPath, cli, scorerArgs(input, suffix, mode), ctx.root);
      let final: ScorerSample;
      try {
        let shown = 0;
        final = await scorer.waitConsumed(count, {
          stallSeconds: 300,
          signal: ctx.signal,
          onProgress: (s) => {
            if (s.at - shown >= 15) ctx.log(`  ${formatCount(s.consumed)} consumed, ${formatCount(s.customers)} customers, RSS ${formatBytes(s.rssBytes)}`);
            if (s.at - shown >= 15) shown = s.at;
          },
        });
      } finally {
        const codes = await scorer.stop();
        if (codes.some((c) => c !== 0) && !ctx.signal.aborted) ctx.log(`warning: ${mode} scorers exited with ${codes.join(', ')} on SIGTERM:\n${scorer.stderrTail()}`);
      }
      const sustained = sustainedRate(scorer.samples, count);
      if (!sustained) throw new Error(`${mode}: the scorer consumed everything before a second sample; use more --rows`);
      const rss = scorer.samples.map((s) => s.rssBytes).filter((r): r is number => r !== null);
      ctx.log(`  ${mode}: ${formatCount(sustained.rate)} tx/s sustained (start-up ${sustained.startupSeconds.toFixed(1)} s)`);
      return { mode, ...sustained, drainSeconds: final.at, peakRssBytes: rss.length ? Math.max(...rss) : null, final, samples: scorer.samples };
    };

    try {
      // 1. Replay everything into one input topic, as fast as it goes.
      const input = `${id}-transactions`;
      ctx.log(`replay: ${data.files.length} files (${formatCount(data.rows)} rows) into ${input}, ${partitions} partitions...`);
      const replayed = await replayTo(input, []);
      ctx.log(`  replay: ${formatCount(replayed.messages)} lines at ${formatCount(replayed.messagesPerSecond)}/s`);
      const count = replayed.messages;

      // 2. The scorer drains it, exactly-once, then at-least-once (new groups, new output topics).
      const eos = await drain(input, count, 'exactly-once', 'eos');
      const alo = ctx.options['skip-at-least-once'] ? null : await drain(input, count, 'at-least-once', 'alo');

      // 3. The broker's ceiling on the same broker: the same count of the same lines.
      let producer: PerfResult | null = null;
      let producerTxn: PerfResult | null = null;
      let consumer: PerfResult | null = null;
      if (!ctx.options['skip-perf']) {
        const payload = join(scratch, 'payload.txt');
        const lines = (await readFile(data.files[0], 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
        await writeFile(payload, lines.join('\n') + '\n');
        // Rates settle within a million records; more only lengthens the run.
        const perfCount = Math.min(count, PERF_RECORDS);
        const perfTopic = `${id}-perf`;
        const perfTxnTopic = `${id}-perf-txn`;
        topics.push(perfTopic, perfTxnTopic);
        await ensureTopics(kafkaSettings(brokers), [perfTopic, perfTxnTopic], partitions);
        ctx.log(`kafka ProducerPerformance: ${formatCount(perfCount)} records...`);
        producer = await producerPerformance({ brokers, topic: perfTopic, records: perfCount, payloadFile: payload, signal: ctx.signal });
        ctx.log(`  ${producer.summary}`);
        ctx.log('kafka ConsumerPerformance...');
        consumer = await consumerPerformance({ brokers, topic: perfTopic, records: perfCount, signal: ctx.signal });
        ctx.log(`  ${formatCount(consumer.recordsPerSecond)} records/s`);
        ctx.log('kafka ProducerPerformance, transactional (100 ms transactions)...');
        producerTxn = await producerPerformance({ brokers, topic: perfTxnTopic, records: perfCount, payloadFile: payload, transactional: true, signal: ctx.signal });
        ctx.log(`  ${producerTxn.summary}`);
      }

      // 4. Latency at a steady rate, exactly-once: a fresh scorer drains one day first (so its state is built and its
      //    group joined), then the last days come in at the rate. A failure here is reported, not fatal.
      let latency: (LatencySummary & { replay: ReplayReport; days: string[] }) | null = null;
      let latencyError: string | null = null;
      if (!ctx.options['skip-latency']) {
        try {
          latency = await latencyRun(ctx, { cli, brokers, partitions, files: data.files, latencyDays, latencyRate, scratch, id, topics, scorerArgs, replayTo });
        } catch (e) {
          if (ctx.signal.aborted) throw e;
          latencyError = (e as Error).message.split('\n')[0];
          ctx.log(`latency run failed: ${(e as Error).message}`);
        }
      }

      return report({ ctx, params, partitions, replicas, data: { dir: data.dir, rows: data.rows, files: data.files.length }, champion: champion.version, replayed, eos, alo, producer, producerTxn, consumer, latency, latencyError, latencyRate, loadAtStart });
    } finally {
      if (!ctx.keep) {
        await deleteTopics(brokers, topics).catch((e: unknown) => ctx.log(`warning: could not delete topics ${topics.join(', ')}: ${(e as Error).message}`));
        await rm(scratch, { recursive: true, force: true });
      } else {
        ctx.log(`kept topics ${topics.join(', ')} and ${scratch}`);
      }
    }
  },
};

function report(r: {
  ctx: BenchContext;
  params: object;
  partitions: number;
  replicas: number;
  data: { dir: string; rows: number; files: number };
  champion: string;
  replayed: ReplayReport;
  eos: ScorerRun;
  alo: ScorerRun | null;
  producer: PerfResult | null;
  producerTxn: PerfResult | null;
  consumer: PerfResult | null;
  latency: (LatencySummary & { replay: ReplayReport; days: string[] }) | null;
  latencyError: string | null;
  latencyRate: number;
  loadAtStart: number;
}) {
  const { eos, alo, producer, producerTxn, consumer, latency } = r;
  const rows: BenchRow[] = [
    { name: 'replay', wallSeconds: r.replayed.seconds, rows: r.replayed.messages, note: `fraudops replay --rate max into ${r.partitions} partitions` },
    { name: 'stream exactly-once', wallSeconds: eos.seconds, rows: eos.rows, peakRssBytes: eos.peakRssBytes, note: `fraudops stream${r.replicas > 1 ? `, ${r.replicas} replicas` : ''}; ${eos.startupSeconds.toFixed(1)} s start-up left out` },
  ];
  if (alo) rows.push({ name: 'stream at-least-once', wallSeconds: alo.seconds, rows: alo.rows, peakRssBytes: alo.peakRssBytes, note: `fraudops stream --at-least-once${r.replicas > 1 ? `, ${r.replicas} replicas` : ''}` });
  rows.push({
    name: 'replay then stream',
    wallSeconds: r.replayed.seconds + eos.drainSeconds,
    rows: r.replayed.messages,
    note: 'end to end, one after the other, exactly-once, start-up included',
  });
  const perfRow = (name: string, p: PerfResult | null, note: string) => {
    if (p) rows.push({ name, wallSeconds: p.records / p.recordsPerSecond, rows: p.records, note });
  };
  perfRow('kafka producer perf', producer, 'ProducerPerformance acks=all idempotent (its own rate; JVM start-up left out)');
  perfRow('kafka producer perf txn', producerTxn, 'ProducerPerformance, 100 ms transactions');
  perfRow('kafka consumer perf', consumer, 'ConsumerPerformance fetch.nMsg.sec');
  if (latency) {
    rows.push({
      name: `latency run`,
      wallSeconds: latency.replay.seconds,
      rows: latency.replay.messages,
      note: `replay --rate ${r.latencyRate} of ${latency.days.join(', ')}, exactly-once`,
    });
  }

  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
  const checks: BenchCheck[] = [
    check('stream exactly-once tx/s', eos.rate, 'rows/s', { target: GOAL_RATE, direction: 'atLeast' }),
    check('stream exactly-once tx/s, acceptance floor', eos.rate, 'rows/s', { target: FLOOR_RATE, direction: 'atLeast' }),
  ];
  if (alo) {
    checks.push(check('stream at-least-once tx/s', alo.rate, 'rows/s', { target: GOAL_RATE, direction: 'atLeast' }));
    checks.push(check('exactly-once ÷ at-least-once (rate)', ratio(eos.rate, alo.rate), '×'));
  }
  checks.push(check('replay tx/s', r.replayed.messagesPerSecond, 'rows/s'));
  checks.push(check('replay then stream, end to end tx/s', r.replayed.messages / (r.replayed.seconds + eos.drainSeconds), 'rows/s'));
  if (producer) checks.push(check('exactly-once ÷ kafka producer perf (rate)', ratio(eos.rate, producer.recordsPerSecond), '×'));
  if (producerTxn) checks.push(check('exactly-once ÷ kafka transactional producer perf (rate)', ratio(eos.rate, producerTxn.recordsPerSecond), '×'));
  if (consumer) checks.push(check('exactly-once ÷ kafka consumer perf (rate)', ratio(eos.rate, consumer.recordsPerSecond), '×'));
  if (producer && consumer) {
    // One record in and one out per transaction: the broker alone cannot do both faster than this.
    const ceiling = 1 / (1 / producer.recordsPerSecond + 1 / consumer.recordsPerSecond);
    checks.push(check('kafka ceiling for read one + write one', ceiling, 'rows/s'));
    checks.push(check('exactly-once ÷ that ceiling', eos.rate / ceiling, '×'));
  }
  if (latency) {
    checks.push(check(`latency p50 at ${r.latencyRate} tx/s, exactly-once`, latency.p50, 'ms'));
    checks.push(check(`latency p99 at ${r.latencyRate} tx/s, exactly-once`, latency.p99, 'ms', { target: GOAL_P99_MS, direction: 'atMost' }));
  }
  // CPU per transaction does not depend on what else runs on the machine the way wall rates do: what the scorer
  // and the broker would sustain on these cores alone is the cores over their CPU per transaction (a projection).
  for (const run of [eos, alo]) {
    if (!run || run.scorerCpuPerTx === null) continue;
    checks.push(check(`stream ${run.mode}: scorer CPU per 1000 transactions`, run.scorerCpuPerTx * 1e6, 'ms'));
    if (run.brokerCpuPerTx !== null) {
      checks.push(check(`stream ${run.mode}: broker CPU per 1000 transactions`, run.brokerCpuPerTx * 1e6, 'ms'));
      checks.push(check(`stream ${run.mode}: projected tx/s on ${cpus().length} idle cores (cores ÷ CPU per tx)`, cpus().length / (run.scorerCpuPerTx + run.brokerCpuPerTx), 'rows/s'));
    }
  }
  const memory = memoryCurve(eos.samples);
  checks.push(check('scorer peak RSS (exactly-once run)', eos.peakRssBytes, 'bytes'));
  if (memory.perCustomer !== null) checks.push(check('scorer RSS growth per active customer', memory.perCustomer, 'bytes'));

  const load = loadavg()[0];
  const cores = cpus().length;
  const notes = [
    `load average ${r.loadAtStart.toFixed(2)} at start, ${load.toFixed(2)} at end, on ${cores} cores${Math.max(load, r.loadAtStart) > cores * 0.5 ? ': the machine was shared and busy, so every rate here is measured under contention' : ''}`,
    'phases run one after another (replay, each scorer, each perf tool), each alone on the broker; the broker runs on the same cores',
    'CPU per transaction: user + system time from /proc of the scorer and of the broker process over the sustained part; the projection assumes both alone on the machine, it is not a measured rate',
    `sustained rate: input consumed between the first /metrics sample that saw any and the first that saw all ${formatCount(r.replayed.messages)}, sampled every second`,
    `memory (exactly-once run): ${memory.points.map((p) => `${formatCount(p.customers)} customers → ${formatBytes(p.rssBytes)}`).join('; ')}`,
    `every input accounted for: exactly-once ${formatCount(eos.final.produced)} predictions + ${formatCount(eos.final.dead)} dead letters of ${formatCount(eos.final.consumed)} consumed` +
      (alo ? `; at-least-once ${formatCount(alo.final.produced)} + ${formatCount(alo.final.dead)} of ${formatCount(alo.final.consumed)}` : ''),
  ];
  if (r.latencyError) notes.push(`latency run failed: ${r.latencyError}`);
  if (latency) notes.push(`latency from ${formatCount(latency.count)} committed predictions' latencyMs (scoring time − input record timestamp; the transaction commit follows); p90 ${latency.p90} ms, max ${latency.max} ms; replay held ${formatCount(latency.replay.messagesPerSecond)} tx/s`);
  notes.push(`champion: logistic regression, registered version ${r.champion}, trained on the same lake (set-up)`);

  return {
    stage: 'stream',
    params: { ...r.params, partitions: r.partitions, replicas: r.replicas, rows: r.data.rows, files: r.data.files },
    reference: 'stream exactly-once',
    rows,
    checks,
    notes,
    details: {
      dataDir: r.data.dir,
      replay: r.replayed,
      runs: [eos, alo].filter(Boolean).map((s) => ({ ...s!, samples: s!.samples })),
      perf: { producer: producer?.summary, producerTransactional: producerTxn?.summary, consumer: consumer?.summary },
      latency,
      memory,
    },
  };
}

/** RSS at a quarter, half, three quarters and the end of the run, and the slope of RSS over customers held. */
function memoryCurve(samples: ScorerSample[]): { points: { customers: number; rssBytes: number }[]; perCustomer: number | null } {
  const withState = samples.filter((s) => s.customers > 0 && s.rssBytes !== null);
  if (withState.length === 0) return { points: [], perCustomer: null };
  const points = [0.25, 0.5, 0.75, 1].map((q) => withState[Math.min(withState.length - 1, Math.floor(q * (withState.length - 1)))]).map((s) => ({ customers: s.customers, rssBytes: s.rssBytes! }));
  const first = withState[0];
  const last = withState[withState.length - 1];
  const perCustomer = last.customers > first.customers ? (last.rssBytes! - first.rssBytes!) / (last.customers - first.customers) : null;
  return { points, perCustomer };
}

async function latencyRun(
  ctx: BenchContext,
  o: {
    cli: string;
    brokers: string;
    partitions: number;
    files: string[];
    latencyDays: number;
    latencyRate: number;
    scratch: string;
    id: string;
    topics: string[];
    scorerArgs: (input: string, suffix: string, mode: ScorerRun['mode']) => string[];
    replayTo: (topic: string, more: string[]) => Promise<ReplayReport>;
  },
): Promise<LatencySummary & { replay: ReplayReport; days: string[] }> {
  const dayFiles = o.files.filter((f) => /^\d{4}-\d{2}-\d{2}\.txt$/.test(basename(f)));
  const measured = dayFiles.slice(-o.latencyDays);
  const warm = dayFiles[dayFiles.length - o.latencyDays - 1];
  const day = (f: string) => basename(f).slice(0, 10);
  const input = `${o.id}-latency-transactions`;
  ctx.log(`latency: a scorer drains ${day(warm)}, then ${measured.map(day).join(', ')} come at ${o.latencyRate} tx/s...`);
  const warmed = await o.replayTo(input, ['--from', day(warm), '--days', '1']);
  const scorer = await ScorerProcess.start(process.execPath, o.cli, o.scorerArgs(input, 'latency', 'exactly-once'), ctx.root);
  let replay: ReplayReport;
  let final: ScorerSample;
  try {
    await scorer.waitConsumed(warmed.messages, { stallSeconds: 300, signal: ctx.signal });
    replay = await o.replayTo(input, ['--rate', String(o.latencyRate), '--from', day(measured[0]), '--days', String(o.latencyDays)]);
    final = await scorer.waitConsumed(warmed.messages + replay.messages, { stallSeconds: 120, signal: ctx.signal });
  } finally {
    await scorer.stop();
  }
  const summary = await predictionLatencies(o.brokers, `${o.id}-latency-predictions`, day(measured[0]), final.produced);
  ctx.log(`  latency: p50 ${summary.p50} ms, p99 ${summary.p99} ms over ${formatCount(summary.count)} predictions; replay held ${formatCount(replay.messagesPerSecond)}/s`);
  return { ...summary, replay, days: measured.map(day) };
}
