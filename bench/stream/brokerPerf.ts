/**
 * The broker's own ceiling: Apache Kafka's perf-test tools (org.apache.kafka.tools.ProducerPerformance and
 * ConsumerPerformance, from the kafka-tools jar that scripts/services/kafka.sh caches) on the same broker and a
 * topic with the same partitions, producing real raw lines as payload. What our scorer does per transaction (read
 * one record, write one) cannot beat these, so they are the ceiling our rate is divided by.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { measureCommand, type Measurement } from '../lib/measureCommand.js';

export const KAFKA_VERSION = '4.1.1';

/** The jars scripts/services/kafka.sh resolves (FRAUDOPS_CACHE_DIR, else ~/.cache/fraudops). */
export function kafkaLibs(): string {
  return join(process.env.FRAUDOPS_CACHE_DIR ?? join(homedir(), '.cache', 'fraudops'), `kafka-${KAFKA_VERSION}`, 'libs');
}

export interface PerfResult {
  recordsPerSecond: number;
  records: number;
  measurement: Measurement;
  /** The tool's own summary line(s). */
  summary: string;
}

function java(libs: string, main: string, args: string[], signal: AbortSignal): Promise<Measurement> {
  if (!existsSync(join(libs, 'kafka-tools-' + KAFKA_VERSION + '.jar'))) {
    throw new Error(`${libs} has no kafka-tools jar: run \`bash scripts/services.sh up kafka\` once (it caches the jars)`);
  }
  return measureCommand('java', ['-Xms128m', '-Xmx512m', '-cp', `${libs}/*`, main, ...args], { signal });
}

/**
 * ProducerPerformance: `records` records as fast as the broker takes them (acks=all, idempotent, as our
 * producers), payloads drawn from `payloadFile`'s lines; with `transactional`, in transactions of 100 ms.
 */
export async function producerPerformance(o: {
  brokers: string;
  topic: string;
  records: number;
  payloadFile: string;
  transactional?: boolean;
  signal: AbortSignal;
}): Promise<PerfResult> {
  const args = [
    '--topic', o.topic, '--num-records', String(o.records), '--throughput', '-1', '--payload-file', o.payloadFile,
    '--producer-props', `bootstrap.servers=${o.brokers}`, 'acks=all', 'enable.idempotence=true',
  ];
  if (o.transactional) args.push('--transactional-id', `fraudops-bench-${process.pid}-${Date.now()}`, '--transaction-duration-ms', '100');
  const m = await java(kafkaLibs(), 'org.apache.kafka.tools.ProducerPerformance', args, o.signal);
  // Last line: "N records sent, X records/sec (Y MB/sec), A ms avg latency, ..."
  const line = m.stdout.trim().split('\n').filter((l) => /records sent/.test(l)).pop();
  const rate = line ? Number(/([\d.]+) records\/sec/.exec(line)?.[1]) : NaN;
  if (m.exitCode !== 0 || !Number.isFinite(rate)) {
    throw new Error(`ProducerPerformance failed (exit ${m.exitCode}):\n${m.stdout.slice(-2000)}\n${m.stderrTail.slice(-2000)}`);
  }
  return { recordsPerSecond: rate, records: o.records, measurement: m, summary: line! };
}

/** ConsumerPerformance: reads `records` records of the topic; the rate is the tool's fetch.nMsg.sec (group join left out). */
export async function consumerPerformance(o: { brokers: string; topic: string; records: number; signal: AbortSignal }): Promise<PerfResult> {
  const args = ['--bootstrap-server', o.brokers, '--topic', o.topic, '--messages', String(o.records), '--timeout', '120000', '--group', `fraudops-bench-perf-${process.pid}-${Date.now()}`];
  const m = await java(kafkaLibs(), 'org.apache.kafka.tools.ConsumerPerformance', args, o.signal);
  const lines = m.stdout.trim().split('\n').filter((l) => l.includes(','));
  const header = lines.find((l) => l.includes('nMsg.sec'));
  const values = header ? lines[lines.indexOf(header) + 1] : undefined;
  let rate = NaN;
  let records = NaN;
  if (header && values) {
    const names = header.split(',').map((s) => s.trim());
    const cells = values.split(',').map((s) => s.trim());
    const at = (n: string) => Number(cells[names.indexOf(n)]);
    rate = names.includes('fetch.nMsg.sec') ? at('fetch.nMsg.sec') : at('nMsg.sec');
    records = at('data.consumed.in.nMsg');
  }
  if (m.exitCode !== 0 || !Number.isFinite(rate)) {
    throw new Error(`ConsumerPerformance failed (exit ${m.exitCode}):\n${m.stdout.slice(-2000)}\n${m.stderrTail.slice(-2000)}`);
  }
  return { recordsPerSecond: rate, records, measurement: m, summary: `${header}\n${values}` };
}
