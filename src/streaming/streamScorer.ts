/**
 * `fraudops stream`: the Kafka scorer. A consumer-group member that scores each input line through the one
 * scoring path (scoring/Scorer.ts) and writes predictions keyed by transaction id.
 *
 * Exactly once: each batch is one Kafka transaction holding its predictions, its dead letters and the group's
 * input offsets (sendOffsetsToTransaction with the group generation, so a member that lost its partitions is
 * fenced). Feature state is kept consistent by replay-without-output: a session reads every assigned partition
 * from its beginning; records below the committed offset only move state (customer windows are bootstrapped
 * from the lake's history before a partition's first record), records from the committed offset on are scored
 * and committed. After any rebalance or failed transaction the session ends and a new one rebuilds the state
 * of the partitions it then owns, so state follows partitions and nothing is lost or counted twice.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { FetchIsolationLevels, Producer, ProduceAcks, type Message, type MessagesStream } from '@platformatic/kafka';
import { BatchReader } from './BatchReader.js';
import { scorerConsumeOptions } from './consumeOptions.js';
import { CommittedReadConsumer } from './committedConsumer.js';
import type { FraudopsError } from '../errors.js';
import { DEFAULT_REGISTERED_MODEL } from '../models/artifact.js';
import { LakeHistory } from '../scoring/LakeHistory.js';
import { ModelSource, type ServingModel } from '../scoring/ModelSource.js';
import { Scorer, type DeadLetter, type ScoreInput } from '../scoring/Scorer.js';
import { StreamFeatures } from '../scoring/StreamFeatures.js';
import type { RunTracker } from '../tracking/RunTracker.js';
import { holdTracking, type StageContext } from '../stage/StageContext.js';
import { startHttp } from './httpServer.js';
import { clientOptions, kafkaError, type KafkaSettings } from './kafkaConnection.js';
import { ReplicaEstimate } from './ReplicaEstimate.js';
import { StreamMetrics } from './StreamMetrics.js';
import { ensureTopics, maxMessageBytes } from './topics.js';
import { BatchCommitter, type CommitStats } from './BatchCommitter.js';
import type { OutgoingMessage } from './sendChunks.js';
import { predictionJsonLines } from './predictionJson.js';

export interface StreamOptions {
  kafka: KafkaSettings;
  input: string;
  output: string;
  dlq: string;
  group: string;
  lake?: string;
  tracking?: string;
  registeredModel?: string;
  model?: string;
  httpPort: number;
  httpHost?: string;
  batchSize?: number;
  batchTimeMs?: number;
  modelPollMs?: number;
  trackEveryMs?: number;
  /** Put features into each prediction (parity tests). */
  withFeatures?: boolean;
  /** false: no Kafka transactions (at-least-once), for the benchmark's comparison only. */
  exactlyOnce?: boolean;
  /** Safety factor over the input rate in fraudops_stream_replicas_desired (default 1.3, as `fraudops capacity`). */
  headroom?: number;
  /** Transactions per second one replica sustains (e.g. from the benchmark); measured from batch work when not given. */
  perReplicaRate?: number;
  /** Default: the context's signal. */
  signal?: AbortSignal;
  /** Scratch directory (the lake history's engine); default: the context's work directory. */
  workDir?: string;
  /** Default: log events on the context. */
  log?: (message: string) => void;
}

export interface StreamSummary {
  consumed: number;
  produced: number;
  deadLetters: number;
  sessions: number;
  modelVersion: string;
  seconds: number;
}

type Msg = Message<Buffer, Buffer, Buffer, Buffer>;

type ResolvedStreamOptions = StreamOptions & { signal: AbortSignal; log: (message: string) => void };

export async function runStream(options: StreamOptions, ctx?: StageContext): Promise<StreamSummary> {
  const o: ResolvedStreamOptions = {
    ...options,
    signal: options.signal ?? ctx?.signal ?? new AbortController().signal,
    log: options.log ?? ((message) => ctx?.emit({ type: 'log', stage: 'stream', level: 'info', message })),
  };
  const workDir = join(options.workDir ?? ctx?.workDir ?? tmpdir(), 'fraudops-stream');
  const started = performance.now();
  const metrics = new StreamMetrics();
  const state = { ready: false, lastError: undefined as FraudopsError | undefined, lastBatchAt: 0, sessions: 0, version: '' };
  const heldTracking = await holdTracking(ctx, o.tracking, { mustExist: true });
  const tracking = heldTracking.value;
  const tracker = tracking.runs;
  const history = o.lake ? await LakeHistory.open(o.lake, workDir, ctx) : undefined;
  const registeredModel = o.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const models = new ModelSource(tracking, registeredModel, o.model ?? 'champion');
  let server: Server | undefined;
  let consumer: CommittedReadConsumer<Buffer, Buffer, Buffer, Buffer> | undefined;
  let producer: Producer<Buffer, Buffer, Buffer, Buffer> | undefined;
  // Closes the clients of the moment it is called. A retry gives a disconnect 10 s and then makes new clients; a
  // disconnect that outlives that must close only its own, or it would close the new ones (or forget them, so the
  // final disconnect left their sockets open and the process never exited).
  const disconnect = async () => {
    const [c, p] = [consumer, producer];
    consumer = undefined;
    producer = undefined;
    await Promise.all([
      c ? withTimeout(settle(c.leaveGroup(false)), 5000).then(() => settle(c.close(true))) : undefined,
      p ? settle(p.close(true)) : undefined,
    ]);
  };
  let trackRun: string | undefined;
  const timers: NodeJS.Timeout[] = [];
  try {
    let model = await models.load();
    state.version = model.version;
    metrics.modelVersion.set({ model: registeredModel }, Number(model.version));
    models.watch(o.modelPollMs ?? 5000);
    server = await startHttp(
      o.httpPort,
      o.httpHost ?? '127.0.0.1',
      metrics.registry,
      () => ({ ok: true, sessions: state.sessions }),
      () => ({
        ok: state.ready,
        modelVersion: state.version,
        lastBatchSecondsAgo: state.lastBatchAt ? (Date.now() - state.lastBatchAt) / 1000 : null,
        error: state.lastError ? { code: state.lastError.code, message: state.lastError.message } : undefined,
      }),
    );
    const counts = await retrying(() => ensureTopics(o.kafka, [o.input, o.output, o.dlq], 6), o, state);
    const inputPartitions = counts.get(o.input)!;
    const limits = await retrying(() => maxMessageBytes(o.kafka, [o.output, o.dlq]), o, state);
    const exactlyOnce = o.exactlyOnce ?? true;
    const replicas = new ReplicaEstimate({ headroom: o.headroom ?? 1.3, partitions: inputPartitions, perReplicaRate: o.perReplicaRate });
    // New clients after a failed session: a member whose broker restarted can keep a generation the coordinator
    // no longer accepts (its transactional offset commits then fail for good), so it joins afresh.
    const connect = () => {
      const base = clientOptions(o.kafka, `fraudops-scorer-${process.pid}`);
      consumer = new CommittedReadConsumer({
        ...(base as object),
        groupId: o.group,
        autocommit: false,
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        rebalanceTimeout: 20_000,
        maxWaitTime: 100,
      } as never);
      // The client forgets a topic when the last stream on it closes, and the next consume() then joins the group
      // again; a leader's JoinGroup makes the coordinator rebalance every member. Each session ends with its
      // stream, so two replicas kept rebalancing each other, every rebalance a rebuild of every partition's state.
      // Holding the topic for the consumer's life makes a new session's consume() take the current assignment.
      consumer.topics.track(o.input);
      producer = new Producer({
        ...(base as object),
        idempotent: true,
        acks: ProduceAcks.ALL,
        // The transaction timeout (InitProducerId) and the broker's wait for acks. The client's 5 s default let the
        // coordinator abort a large transaction on a busy machine; 60 s is the Java client's default.
        timeout: 60_000,
        ...(exactlyOnce ? { transactionalId: `${o.group}-${o.input}-${process.pid}-${Date.now().toString(36)}` } : {}),
      } as never);
      return { consumer, producer };
    };
    let clients = connect();
    if (o.trackEveryMs && o.trackEveryMs > 0) {
      trackRun = await startTrackingRun(tracker, o).catch(() => undefined);
      timers.push(
        setInterval(() => {
          const rates = metrics.tick();
          if (trackRun) void logThroughput(tracker, trackRun, metrics, rates).catch(() => undefined);
        }, o.trackEveryMs),
      );
    } else {
      timers.push(setInterval(() => metrics.tick(), 5000));
    }
    timers.forEach((t) => t.unref());

    let failures = 0;
    let rejoin = false;
    while (!o.signal.aborted) {
      state.sessions++;
      const features = new StreamFeatures(model.artifact.featureSpec, history, (c) => c % inputPartitions);
      const scorer = new Scorer(features);
      try {
        const committer = new BatchCommitter(clients.producer, clients.consumer, { exactlyOnce, partitions: counts, limits });
        ({ model, rejoin } = await session(o, clients.consumer, committer, scorer, models, metrics, state, replicas, rejoin));
        failures = 0;
      } catch (e) {
        if (o.signal.aborted) break;
        const err = kafkaError(e, o.kafka, 'stream');
        state.ready = false;
        metrics.ready.set(0);
        state.lastError = err;
        if (!err.retriable) throw err;
        const wait = backoffMs(failures++);
        o.log(`stream: ${err.message}; retrying in ${wait} ms with new clients and a new session (its state rebuilt)`);
        await withTimeout(disconnect(), 10_000);
        await sleep(wait, o.signal);
        clients = connect();
        rejoin = false;
      }
    }
    return {
      consumed: metrics.totals.consumed,
      produced: metrics.totals.produced,
      deadLetters: metrics.totals.dead,
      sessions: state.sessions,
      modelVersion: state.version,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    timers.forEach((t) => clearInterval(t));
    models.stop();
    await disconnect();
    if (trackRun) {
      await logThroughput(tracker, trackRun, metrics, metrics.tick()).catch(() => undefined);
      await tracker.endRun(trackRun, 'FINISHED').catch(() => undefined);
    }
    if (server) {
      server.close();
      server.closeAllConnections();
    }
    await history?.close();
    await heldTracking.release();
  }
}

/** One group session: consume from the beginning of the assigned partitions until a rebalance, failure or stop. */
async function session(
  o: ResolvedStreamOptions,
  consumer: CommittedReadConsumer<Buffer, Buffer, Buffer, Buffer>,
  committer: BatchCommitter,
  scorer: Scorer,
  models: ModelSource,
  metrics: StreamMetrics,
  state: { ready: boolean; lastError?: FraudopsError; lastBatchAt: number; version: string },
  replicas: ReplicaEstimate,
  rejoin: boolean,
): Promise<{ model: ServingModel; rejoin: boolean }> {
  // The consumer holds its input topic, so consume() takes the current assignment; after a broker loss or a
  // stalled stream the session lets go of it first, so the member joins the group afresh.
  if (rejoin) consumer.topics.untrack(o.input);
  const stream = (await consumer.consume(scorerConsumeOptions(o.input) as never)) as MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  if (rejoin) consumer.topics.track(o.input);
  const generation = consumer.generationId;
  o.log(`stream: session in generation ${generation}, partitions ${JSON.stringify(consumer.assignments?.find((a) => a.topic === o.input)?.partitions ?? [])}`);
  let rebalanced = false;
  const onJoin = () => (rebalanced = true);
  consumer.once('consumer:group:join', onJoin);
  const committed = new Map<number, bigint>();
  /** The group's committed offsets of these partitions (0 where none), from the broker. */
  const learnCommitted = async (partitions: number[]) => {
    if (partitions.length === 0) return;
    const offsets = await consumer.listCommittedOffsets({ topics: [{ topic: o.input, partitions }] });
    const list = offsets.get(o.input) ?? [];
    // Set only where still unknown: a reading that raced a commit of this session must not move it back.
    for (const p of partitions) if (!committed.has(p)) committed.set(p, list[p] !== undefined && list[p] >= 0n ? list[p] : 0n);
  };
  let model = models.take();
  // A fetch in flight when the brokers went away may never call back, and then the client's stream stops
  // fetching for good. So a session ends when the brokers come back after a loss, or when records are known to
  // be waiting (lag) and none arrived for a while; the next session starts a fresh stream.
  let lostBrokers = false;
  let lostAt = 0;
  let lastRecordAt = Date.now();
  // Lag is measured here: the client's own lag monitor counts from offsets its stream committed, and ours are
  // committed through transactions. position: the next offset this session reads, per partition.
  const position = new Map<number, bigint>();
  let laggingSince = 0;
  let lagCheckedAt = 0;
  let lagReading = false;
  const refreshLag = async () => {
    lagCheckedAt = Date.now();
    const latest = (await consumer.listOffsets({ topics: [o.input], isolationLevel: FetchIsolationLevels.READ_COMMITTED })).get(o.input) ?? [];
    const assigned = consumer.assignments?.find((a) => a.topic === o.input)?.partitions ?? [];
    await learnCommitted(assigned.filter((p) => !committed.has(p)));
    let behind = false;
    metrics.observeInputEnd(replicas, latest.reduce((sum, end) => sum + (end > 0n ? end : 0n), 0n));
    for (const p of assigned) {
      const end = latest[p];
      if (end === undefined) continue;
      const done = committed.get(p) ?? position.get(p);
      if (done !== undefined) metrics.lag.set({ topic: o.input, partition: String(p) }, Number(end - done));
      if (end > (position.get(p) ?? committed.get(p) ?? 0n)) behind = true;
    }
    if (!behind) laggingSince = 0;
    else if (!laggingSince) laggingSince = Date.now();
  };
  let ended = 'input ended';
  /** The session ends to recover (brokers back, a stalled stream): the next one joins the group afresh. */
  let restarted = false;
  const reader = new BatchReader(stream);
  const cap = o.batchSize ?? DEFAULT_BATCH_SIZE;
  const sameGeneration = () => !rebalanced && consumer.generationId === generation;
  /**
   * Group commit. One transaction is in flight at a time; what is scored meanwhile joins the next one, which
   * begins the moment the previous commits (up to `cap` input records). At a backlog transactions grow until a
   * commit costs no more than the scoring it overlaps, so the scorer does not wait on the broker; at a low rate
   * each record is committed one commit time after it is scored, with no wait to fill a batch. Scoring ahead of a
   * commit moves the feature state early, which is safe because a failed commit ends the session and the next
   * session rebuilds the state (replay-without-output).
   */
  // The state gauges follow the rebuild of a new session's state, at most once a second.
  let stateObservedAt = -Infinity;
  const observeStateSometimes = () => {
    if (performance.now() - stateObservedAt < 1000) return;
    stateObservedAt = performance.now();
    observeState(metrics, scorer);
  };
  let open: OpenTransaction | undefined;
  let inFlight: Promise<void> | undefined;
  let failure: unknown;
  const onCommitted = (t: OpenTransaction) => (stats: CommitStats) => {
    metrics.commitSeconds.observe(stats.seconds);
    for (const [p, m] of t.last) committed.set(p, m.offset + 1n);
    const now = Date.now();
    for (const ts of t.timestamps) metrics.latency.observe(Math.max(0, now - ts) / 1000);
    metrics.batchSize.observe(t.timestamps.length);
    metrics.consumed.inc(t.timestamps.length);
    metrics.produced.inc(t.predictions);
    metrics.totals.consumed += t.timestamps.length;
    metrics.totals.produced += t.predictions;
    metrics.totals.dead += t.dead.length;
    for (const reason of t.dead) metrics.deadLetters.inc({ reason });
    observeStateSometimes();
    state.lastBatchAt = now;
  };
  const onFailed = (e: unknown) => {
    failure ??= e;
    if (committer.exactlyOnce) {
      metrics.aborted.inc();
      o.log(`stream: transaction aborted (${e instanceof Error ? e.message : String(e)})`);
    }
  };
  /** Starts the open transaction's commit unless one is in flight (it starts the next when it is done). */
  const flush = () => {
    if (inFlight || !open || failure !== undefined || !sameGeneration()) return;
    const t = open;
    open = undefined;
    inFlight = committer
      .commit(t.messages, [...t.last.values()])
      .then(onCommitted(t), onFailed)
      .catch((e: unknown) => void (failure ??= e))
      .finally(() => {
        inFlight = undefined;
        flush();
      });
  };
  const stop = () => void stream.close().catch(() => undefined);
  try {
    o.signal.addEventListener('abort', stop, { once: true });
    observeState(metrics, scorer);
    while (!o.signal.aborted && sameGeneration() && failure === undefined) {
      // A full transaction waits for the one in flight (the memory bound, and the backpressure on reading).
      while (open && open.timestamps.length >= cap && inFlight) await inFlight;
      if (failure !== undefined) break;
      // Scored in slices of at most READ_SIZE: a slice's temporaries (parsed rows, predictions, JSON) then die
      // young; a whole transaction's worth at once outgrew the young generation and cost major collections.
      const room = Math.min(READ_SIZE, cap - (open?.timestamps.length ?? 0));
      // Idle: wake every batch-time at most to look after the session; otherwise no linger by default.
      const batch = await reader.next(room, Math.max(IDLE_WAIT_MS, o.batchTimeMs ?? 0), o.signal, o.batchTimeMs ?? 0);
      if (batch === undefined) break;
      // Ready only while the stream holds its broker connections: a stopped broker shows on /readyz at once.
      const connected = stream.isConnected();
      state.ready = connected;
      metrics.ready.set(connected ? 1 : 0);
      if (connected) state.lastError = undefined;
      else state.lastError ??= kafkaError(new Error('lost the connection to the brokers; retrying'), o.kafka, 'stream');
      if (!connected && !lostBrokers) {
        lostBrokers = true;
        lostAt = Date.now();
        o.log('stream: lost the connection to the brokers; retrying with backoff, and /readyz says not ready until they are back');
      }
      // The client may not reconnect a stream by itself: after a while, new clients try (with backoff).
      if (!connected && Date.now() - lostAt > LOST_BROKERS_MS) throw new Error(`no connection to the brokers for ${LOST_BROKERS_MS / 1000} s`);
      // Off the hot path: a batch never waits for the lag reading.
      if (connected && !lagReading && Date.now() - lagCheckedAt > 5000) {
        lagReading = true;
        void withTimeout(refreshLag().catch(() => undefined), 5000).finally(() => (lagReading = false));
      }
      if (batch.length === 0) {
        if (!open && !inFlight) state.lastBatchAt = Date.now();
        if (connected && lostBrokers) {
          ended = 'brokers reachable again; resuming';
          restarted = true;
          break;
        }
        const now = Date.now();
        if (laggingSince && now - laggingSince > stallMs(o) && now - lastRecordAt > stallMs(o)) {
          ended = `no records for ${stallMs(o) / 1000} s while the input has lag; restarting the stream`;
          restarted = true;
          break;
        }
        continue;
      }
      lastRecordAt = Date.now();
      // Per partition, once: the last record of each (no per-record allocation).
      const lastOf = new Map<number, Msg>();
      for (const m of batch) lastOf.set(m.partition, m);
      for (const [p, m] of lastOf) position.set(p, m.offset + 1n);
      if (!sameGeneration()) break;
      const workStarted = performance.now();
      const assigned = new Set(consumer.assignments?.find((a) => a.topic === o.input)?.partitions ?? []);
      const mine = [...lastOf.keys()].every((p) => assigned.has(p)) ? batch : batch.filter((m) => assigned.has(m.partition));
      await learnCommitted([...lastOf.keys()].filter((p) => assigned.has(p) && !committed.has(p)));
      const replay: ScoreInput[] = [];
      const live: Msg[] = [];
      for (const m of mine) {
        if (m.offset < committed.get(m.partition)!) replay.push(toInput(m));
        else live.push(m);
      }
      if (replay.length) {
        await scorer.scoreBatch(replay, model, { emit: false });
        metrics.replayed.inc(replay.length);
        observeStateSometimes();
      }
      if (live.length === 0) continue;
      model = models.take();
      if (model.version !== state.version) {
        state.version = model.version;
        metrics.modelVersion.set({ model: model.registeredModel }, Number(model.version));
        o.log(`stream: model version ${model.version} from this batch on`);
      }
      const res = await scorer.scoreBatch(live.map(toInput), model, { withFeatures: o.withFeatures });
      const t: OpenTransaction = (open ??= { messages: [], last: new Map(), timestamps: [], predictions: 0, dead: [] } satisfies OpenTransaction);
      const lines = predictionJsonLines(res.predictions);
      for (let i = 0; i < lines.length; i++) t.messages.push({ topic: o.output, key: Buffer.from(res.predictions[i]!.id), value: Buffer.from(lines[i]!) });
      for (const d of res.deadLetters) {
        t.messages.push({
          topic: o.dlq,
          value: d.value,
          source: { topic: o.input, partition: d.partition, offset: d.offset },
          headers: new Map<Buffer, Buffer>([
            [Buffer.from('reason'), Buffer.from(d.reason)],
            [Buffer.from('source-topic'), Buffer.from(o.input)],
            [Buffer.from('source-partition'), Buffer.from(String(d.partition))],
            [Buffer.from('source-offset'), Buffer.from(String(d.offset))],
          ]),
        });
        t.dead.push(d.reason);
      }
      for (const m of live) {
        t.last.set(m.partition, m);
        t.timestamps.push(Number(m.timestamp));
      }
      t.predictions += res.predictions.length;
      flush();
      replicas.recordWork(live.length, (performance.now() - workStarted) / 1000);
    }
    // A rebalance or a failure leaves the open transaction uncommitted: the next session rebuilds its state and
    // scores its records again. Any other end (stop, end of input, a stream restart) commits it first.
    while (inFlight) await inFlight;
    if (failure === undefined && sameGeneration()) {
      flush();
      while (inFlight) await inFlight;
    }
    if (failure !== undefined) throw failure;
    o.log(`stream: session ended (${o.signal.aborted ? 'stopping' : !sameGeneration() ? 'rebalance' : ended})`);
    return { model, rejoin: restarted };
  } finally {
    // Never leave a transaction in flight behind the session (on the error path; the normal one awaited it).
    while (inFlight) await inFlight.catch(() => undefined);
    consumer.off('consumer:group:join', onJoin);
    o.signal.removeEventListener('abort', stop);
    reader.close();
    // Closing waits for fetches in flight, and a fetch lost with its broker may never return.
    await withTimeout(stream.close().catch(() => undefined), 5000);
  }
}

/** What the next transaction holds: scored batches waiting for the one in flight to commit. */
interface OpenTransaction {
  messages: OutgoingMessage[];
  /** The last input record of each partition. */
  last: Map<number, Msg>;
  /** Input record timestamps (ms), one per input record, for the latency histogram. */
  timestamps: number[];
  predictions: number;
  dead: DeadLetter['reason'][];
}

/** The feature state's size into the gauges (counting entries walks every terminal, so not on every batch). */
function observeState(metrics: StreamMetrics, scorer: Scorer): void {
  const size = scorer.features.stateSize();
  metrics.stateCustomers.set(size.customers);
  metrics.stateTerminals.set(size.terminals);
  metrics.stateEntries.set(size.entries);
  metrics.lakeDaysMissing.set(scorer.features.lakeDaysMissing);
}

function toInput(m: Msg): ScoreInput {
  return { value: m.value ?? Buffer.alloc(0), partition: m.partition, offset: m.offset, ingestedAt: Number(m.timestamp) };
}

async function retrying<T>(fn: () => Promise<T>, o: ResolvedStreamOptions, state: { ready: boolean; lastError?: FraudopsError }): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const err = kafkaError(e, o.kafka, 'stream');
      state.lastError = err;
      if (!err.retriable || o.signal.aborted) throw err;
      o.log(`stream: ${err.message}; retrying`);
      await sleep(backoffMs(attempt), o.signal);
    }
  }
}

/** Most input records per transaction unless --batch-size says otherwise. */
export const DEFAULT_BATCH_SIZE = 20_000;

/** Most input records scored at once (a transaction holds several such slices). */
const READ_SIZE = 5000;

/** How long an idle session waits for input before it looks after itself (lag, stalls, lost brokers). */
const IDLE_WAIT_MS = 100;

/** How long a session waits for its lost brokers before it starts over with new clients. */
const LOST_BROKERS_MS = 10_000;

/** Exponential backoff between failed sessions: 250 ms doubling to at most 10 s. */
export function backoffMs(failures: number): number {
  return Math.min(10_000, 250 * 2 ** failures);
}

/** How long a session may see no records while the input has lag before it restarts its stream. */
function stallMs(o: StreamOptions): number {
  return Math.max(15_000, 20 * Math.max(IDLE_WAIT_MS, o.batchTimeMs ?? 0));
}

async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

async function startTrackingRun(tracker: RunTracker, o: StreamOptions): Promise<string> {
  const exp = await tracker.getOrCreateExperiment('fraudops-stream');
  const run = await tracker.createRun({ experimentId: exp.experimentId, runName: `stream ${o.group} ${o.input}→${o.output}`, tags: { 'fraudops.stage': 'stream' } });
  await tracker.logParams(run.runId, { group: o.group, input: o.input, output: o.output, dlq: o.dlq, brokers: o.kafka.brokers.join(','), security: o.kafka.security });
  return run.runId;
}

async function logThroughput(tracker: RunTracker, runId: string, m: StreamMetrics, rates: { consumedPerSecond: number; producedPerSecond: number }): Promise<void> {
  const timestamp = Date.now();
  await tracker.logBatch(runId, {
    metrics: [
      { key: 'consumed_per_second', value: rates.consumedPerSecond, timestamp, step: 0 },
      { key: 'produced_per_second', value: rates.producedPerSecond, timestamp, step: 0 },
      { key: 'consumed_total', value: m.totals.consumed, timestamp, step: 0 },
      { key: 'dead_letters_total', value: m.totals.dead, timestamp, step: 0 },
    ],
  } as never);
}

/** Waits for `p` at most `ms`. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** Awaits a client call that may return a promise or nothing (callback overloads), ignoring its failure. */
async function settle(p: unknown): Promise<void> {
  await Promise.resolve(p).catch(() => undefined);
}
