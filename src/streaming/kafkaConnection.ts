/**
 * How every Kafka client of the product connects: brokers, and for SASL_SSL the SCRAM-SHA-512 credentials and
 * the CA that signed the brokers' certificates. Credentials come from the environment or a file and are never
 * logged, put in errors or recorded as run params. Also maps client failures to our error codes, so a wrong
 * password or an unknown CA is a clear message, never a stack trace.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, FraudopsError, isFraudopsError } from '../errors.js';

export interface KafkaSettings {
  brokers: string[];
  security: 'plaintext' | 'sasl_ssl';
  /** PEM file of the CA that signed the brokers' certificates (sasl_ssl). */
  caFile?: string;
  username?: string;
  password?: string;
  /** Reconnect/retry backoff; the client's 1000 ms default made every transaction wait a second. */
  retryDelayMs?: number;
  retries?: number;
}

/** Throws when `brokers` is not a `host:port[,host:port…]` list (the CLI checks the flag with it up front). */
export function checkBrokers(brokers: string): void {
  const list = brokers.split(',').map((b) => b.trim()).filter(Boolean);
  const port = (b: string) => Number(b.slice(b.lastIndexOf(':') + 1));
  if (list.length === 0 || list.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b) || port(b) < 1 || port(b) > 65535)) {
    throw new Error(`expected host:port[,host:port…] with ports 1-65535, got "${brokers}"`);
  }
}

/** Settings from explicit values, then FRAUDOPS_KAFKA_* variables (password from …_PASSWORD or …_PASSWORD_FILE). */
export function kafkaSettings(brokers: string, env: Record<string, string | undefined> = process.env): KafkaSettings {
  try {
    checkBrokers(brokers);
  } catch (e) {
    throw new ConfigError(`--brokers: ${(e as Error).message}`, { context: { field: 'brokers' } });
  }
  const list = brokers.split(',').map((b) => b.trim()).filter(Boolean);
  const security = (env.FRAUDOPS_KAFKA_SECURITY ?? 'plaintext').toLowerCase();
  if (security !== 'plaintext' && security !== 'sasl_ssl') {
    throw new ConfigError(`FRAUDOPS_KAFKA_SECURITY: expected plaintext or sasl_ssl, got "${security}"`, { context: { field: 'FRAUDOPS_KAFKA_SECURITY' } });
  }
  const s: KafkaSettings = { brokers: list, security };
  if (security === 'sasl_ssl') {
    s.caFile = env.FRAUDOPS_KAFKA_CA;
    s.username = env.FRAUDOPS_KAFKA_USERNAME;
    if (env.FRAUDOPS_KAFKA_PASSWORD !== undefined) s.password = env.FRAUDOPS_KAFKA_PASSWORD;
    else if (env.FRAUDOPS_KAFKA_PASSWORD_FILE) {
      try {
        s.password = readFileSync(env.FRAUDOPS_KAFKA_PASSWORD_FILE, 'utf8').trim();
      } catch {
        throw new ConfigError(`FRAUDOPS_KAFKA_PASSWORD_FILE: cannot read ${env.FRAUDOPS_KAFKA_PASSWORD_FILE}`, { context: { field: 'FRAUDOPS_KAFKA_PASSWORD_FILE' } });
      }
    }
    if (!s.username || s.password === undefined) {
      throw new ConfigError('sasl_ssl needs FRAUDOPS_KAFKA_USERNAME and FRAUDOPS_KAFKA_PASSWORD (or FRAUDOPS_KAFKA_PASSWORD_FILE)', { context: { field: 'FRAUDOPS_KAFKA_USERNAME' } });
    }
  }
  return s;
}

/** Options shared by every client (producer, consumer, admin). */
export function clientOptions(s: KafkaSettings, clientId: string): Record<string, unknown> {
  const o: Record<string, unknown> = {
    clientId,
    bootstrapBrokers: s.brokers,
    retries: s.retries ?? 20,
    retryDelay: retryDelay(s.retryDelayMs ?? 100),
    connectTimeout: 5000,
    requestTimeout: 30000,
  };
  if (s.security === 'sasl_ssl') {
    let ca: Buffer | undefined;
    if (s.caFile) {
      try {
        ca = readFileSync(s.caFile);
      } catch {
        throw new ConfigError(`FRAUDOPS_KAFKA_CA: cannot read ${s.caFile}`, { context: { field: 'FRAUDOPS_KAFKA_CA' } });
      }
    }
    o.tls = ca ? { ca } : {};
    o.tlsServerName = false;
    o.sasl = { mechanism: 'SCRAM-SHA-512', username: s.username, password: s.password };
  }
  return o;
}

/**
 * The client's wait before retry `attempt`: `base`, except after CONCURRENT_TRANSACTIONS (51), which the
 * transaction coordinator answers while it still writes the previous transaction's markers, a matter of
 * milliseconds; waiting the full delay there cost each transaction a tenth of a second. Those retries start at
 * 10 ms and grow to `base`.
 */
export function retryDelay(base: number): (client: unknown, operation: string, attempt: number, retries: number, error: unknown) => number {
  return (_client, _operation, attempt, _retries, error) => (findApiCode(error, CONCURRENT_TRANSACTIONS) ? Math.min(base, 10 * attempt) : base);
}

const CONCURRENT_TRANSACTIONS = new Set([51]);

/** Our error for a Kafka client failure: authentication, TLS trust, or the brokers being out of reach. */
export function kafkaError(e: unknown, s: KafkaSettings, what: string): FraudopsError {
  if (isFraudopsError(e)) return e;
  const text = collectMessages(e);
  const ctx = { brokers: s.brokers.join(','), security: s.security };
  const scrub = (m: string) => (s.password ? m.split(s.password).join('***') : m);
  if (findApiCode(e, RECORD_TOO_LARGE_CODES)) {
    // Retrying the same records meets the same refusal: never retriable.
    return new FraudopsError('KAFKA_RECORD_TOO_LARGE', `${what}: the broker refused records larger than the topic's max.message.bytes (${scrub(firstLine(text))})`, { context: ctx, cause: e });
  }
  if (findApiCode(e, GROUP_MOVED_CODES)) {
    // Not the brokers being out of reach: the member's generation ended (a rebalance) while it committed.
    return new FraudopsError(
      'KAFKA_GROUP_REBALANCED',
      `${what}: the consumer group rebalanced while a transaction was open (${scrub(firstLine(text))}); it was aborted, and its records are scored again by their partitions' new owner`,
      { context: ctx, retriable: true, cause: e },
    );
  }
  if (/SASL|authenticat|SCRAM|credentials/i.test(text)) {
    return new FraudopsError('KAFKA_AUTH_FAILED', `${what}: the brokers refused the SASL/SCRAM-SHA-512 login of user "${s.username ?? ''}" (wrong user or password)`, { context: ctx });
  }
  if (/certificate|self[- ]signed|unable to verify|CERT_|TLS|SSL/i.test(text)) {
    return new FraudopsError('KAFKA_TLS_FAILED', `${what}: the brokers' TLS certificate is not trusted (${scrub(firstLine(text))}); set FRAUDOPS_KAFKA_CA to the CA that signed it`, { context: ctx });
  }
  return new FraudopsError('KAFKA_UNAVAILABLE', `${what}: cannot reach Kafka at ${s.brokers.join(',')} (${scrub(firstLine(text))})`, { context: ctx, retriable: true, cause: e });
}

/** Kafka protocol error codes ILLEGAL_GENERATION (22), UNKNOWN_MEMBER_ID (25), REBALANCE_IN_PROGRESS (27), FENCED_INSTANCE_ID (82). */
const GROUP_MOVED_CODES = new Set([22, 25, 27, 82]);

/** Kafka protocol error codes MESSAGE_TOO_LARGE (10) and RECORD_LIST_TOO_LARGE (18). */
const RECORD_TOO_LARGE_CODES = new Set([10, 18]);

/** Whether the client error, or one it wraps, is a broker response with one of these protocol error codes. */
function findApiCode(e: unknown, codes: Set<number>, depth = 0): boolean {
  if (!e || typeof e !== 'object' || depth > 6) return false;
  const err = e as { apiCode?: unknown; cause?: unknown; errors?: unknown[] };
  if (typeof err.apiCode === 'number' && codes.has(err.apiCode)) return true;
  if (err.cause && findApiCode(err.cause, codes, depth + 1)) return true;
  return Array.isArray(err.errors) && err.errors.some((x) => findApiCode(x, codes, depth + 1));
}

function collectMessages(e: unknown, depth = 0): string {
  if (!e || depth > 5) return '';
  const err = e as { message?: string; code?: string; cause?: unknown; errors?: unknown[] };
  const parts = [err.code ?? '', err.message ?? String(e)];
  if (err.cause) parts.push(collectMessages(err.cause, depth + 1));
  if (Array.isArray(err.errors)) for (const x of err.errors.slice(0, 5)) parts.push(collectMessages(x, depth + 1));
  return parts.join(' | ');
}

function firstLine(text: string): string {
  return text.split(' | ').filter(Boolean).slice(0, 3).join(': ').slice(0, 300);
}
