/**
 * The real Kafka broker for integration tests (scripts/services.sh up kafka), a read_committed reader of whole
 * topics, and the scorer run as a child process of the CLI, as an operator runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { FetchIsolationLevels, type Message } from '@platformatic/kafka';
import { CommittedReadConsumer } from '../../src/streaming/committedConsumer.js';

export const BROKERS = process.env.FRAUDOPS_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';
export const SASL_BROKERS = process.env.FRAUDOPS_TEST_KAFKA_SASL_BROKERS ?? '127.0.0.1:9094';
const ROOT = join(import.meta.dirname, '..', '..');

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Every committed message of a topic, read until `count` have arrived or nothing new came for `idleMs`. */
export async function readCommitted(topic: string, o: { count?: number; idleMs?: number; timeoutMs?: number; brokers?: string } = {}): Promise<Message<Buffer, Buffer, Buffer, Buffer>[]> {
  const consumer = new CommittedReadConsumer({ clientId: 'test-reader', groupId: uniqueName('reader'), bootstrapBrokers: [o.brokers ?? BROKERS], retryDelay: 100 } as never) as CommittedReadConsumer<Buffer, Buffer, Buffer, Buffer>;
  const out: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 200 } as never);
    const started = Date.now();
    let last = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const idle = Date.now() - last > (o.idleMs ?? 3000);
        if ((o.count !== undefined && out.length >= o.count && idle) || (o.count === undefined && idle) || Date.now() - started > (o.timeoutMs ?? 60_000)) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => {
        out.push(m);
        last = Date.now();
      });
    });
    await stream.close();
  } finally {
    await consumer.close(true);
  }
  return out;
}

export interface ScorerProcess {
  proc: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

/** `fraudops <args>` from the sources, as a child process. */
export function cli(args: string[], env: Record<string, string | undefined> = {}): ScorerProcess & { port: number } {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'bin.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  proc.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const portArg = args.indexOf('--http-port');
  return { proc, port: portArg >= 0 ? Number(args[portArg + 1]) : 0, output: () => text, exited };
}

/** Waits until the scorer's /readyz says ready (or the process exits). */
export async function waitReady(p: ScorerProcess, timeoutMs = 90_000): Promise<void> {
  const started = Date.now();
  let exited = false;
  void p.exited.then(() => (exited = true));
  while (Date.now() - started < timeoutMs && !exited) {
    try {
      const r = await fetch(`http://127.0.0.1:${p.port}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`scorer not ready after ${timeoutMs} ms (exited: ${exited}):\n${p.output()}`);
}

let nextPort = 19500 + Math.floor(Math.random() * 400);
export function freePort(): number {
  return nextPort++;
}
