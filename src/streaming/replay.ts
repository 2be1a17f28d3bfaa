/**
 * `fraudops replay`: publishes the data lines of raw daily files to a topic, as the source system would, keyed
 * by customer id. The partition is customer id mod partitions, the rule the scorer uses to pick a partition's
 * customer history from the lake; a line without a readable customer id goes to a partition by its bytes. The
 * header line is not published. Reports the achieved rate.
 */
import { createHash } from 'node:crypto';
import { Producer, ProduceAcks } from '@platformatic/kafka';
import { FraudopsError } from '../errors.js';
import { openStore } from '../storage/openStore.js';
import { readRawLines } from '../scoring/rawLines.js';
import { clientOptions, kafkaError, type KafkaSettings } from './kafkaConnection.js';
import { ensureTopics } from './topics.js';

export interface ReplayOptions {
  raw: string;
  kafka: KafkaSettings;
  topic: string;
  /** Transactions per second, or undefined for as fast as possible. */
  rate?: number;
  from?: string;
  days?: number;
  partitions?: number;
  signal?: AbortSignal;
  onProgress?: (sent: number, rate: number) => void;
}

export interface ReplayResult {
  topic: string;
  files: string[];
  messages: number;
  seconds: number;
  messagesPerSecond: number;
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.(txt|txt\.gz|csv)$/;

/** The raw files to publish: one file, or the day files of a folder/prefix in [from, from + days). */
export async function replayFiles(raw: string, from?: string, days?: number): Promise<string[]> {
  const base = raw.split('/').pop() ?? '';
  if (DAY_FILE.test(base)) return [raw];
  const store = await openStore(raw);
  try {
    const names = (await store.list('')).map((o) => o.key).filter((k) => DAY_FILE.test(k)).sort();
    const last = from && days ? new Date(Date.parse(`${from}T00:00:00Z`) + days * 86400e3).toISOString().slice(0, 10) : undefined;
    const picked = names.filter((k) => {
      const d = DAY_FILE.exec(k)![1];
      return (!from || d >= from) && (!last || d < last);
    });
    if (picked.length === 0) throw new FraudopsError('INPUT_NOT_FOUND', `${raw}: no raw day files${from ? ` from ${from}` : ''}`, { context: { uri: raw } });
    return picked.map((k) => `${raw.replace(/\/$/, '')}/${k}`);
  } finally {
    await store.close();
  }
}

/** Customer id field of a raw line (third field), or undefined. */
export function customerOf(line: Buffer): number | undefined {
  let field = 0;
  let start = 0;
  for (let i = 0; i < line.length && i < 256; i++) {
    if (line[i] !== 44) continue;
    field++;
    if (field === 2) start = i + 1;
    if (field === 3) {
      const n = Number(line.subarray(start, i).toString('latin1'));
      return Number.isInteger(n) ? Math.abs(n) : undefined;
    }
  }
  return undefined;
}

/** Lines read from a file at a time. */
const READ_LINES = 2000;
/** How often a rate-limited replay sends: it publishes a steady stream, not a burst followed by a pause. */
const PACE_SECONDS = 0.01;

/**
 * Messages per send: everything read at once when unlimited; at a set rate, one pacing interval's worth, so a
 * reader sees the input arrive as a source would send it (a burst of thousands every second would put the last
 * of each burst behind the first, and latency measured at that rate would be the burst's, not the scorer's).
 */
export function sendSlice(rate: number | undefined): number {
  if (!rate) return READ_LINES;
  return Math.max(1, Math.min(READ_LINES, Math.ceil(rate * PACE_SECONDS)));
}

export async function replay(o: ReplayOptions): Promise<ReplayResult> {
  const files = await replayFiles(o.raw, o.from, o.days);
  const partitions = (await ensureTopics(o.kafka, [o.topic], o.partitions ?? 6)).get(o.topic)!;
  const producer = new Producer({ ...(clientOptions(o.kafka, 'fraudops-replay') as object), idempotent: true, acks: ProduceAcks.ALL } as never);
  const slice = sendSlice(o.rate);
  const started = performance.now();
  let sent = 0;
  try {
    for (const file of files) {
      for await (const batch of readRawLines(file, READ_LINES, o.signal)) {
        for (let at = 0; at < batch.length; at += slice) {
          const messages = batch.slice(at, at + slice).map((l) => {
            const c = customerOf(l.bytes);
            const partition = c !== undefined ? c % partitions : createHash('md5').update(l.bytes).digest().readUInt32BE(0) % partitions;
            return { topic: o.topic, key: c !== undefined ? Buffer.from(String(c)) : undefined, value: l.bytes, partition };
          });
          try {
            await producer.send({ messages } as never);
          } catch (e) {
            throw kafkaError(e, o.kafka, `replay to ${o.topic}`);
          }
          sent += messages.length;
          const elapsed = (performance.now() - started) / 1000;
          if (o.rate) {
            const ahead = sent / o.rate - elapsed;
            if (ahead > 0) await new Promise((r) => setTimeout(r, ahead * 1000));
          }
          o.onProgress?.(sent, sent / Math.max(1e-9, (performance.now() - started) / 1000));
          o.signal?.throwIfAborted();
        }
      }
    }
  } finally {
    await producer.close().catch(() => undefined);
  }
  const seconds = (performance.now() - started) / 1000;
  return { topic: o.topic, files, messages: sent, seconds, messagesPerSecond: sent / seconds };
}
