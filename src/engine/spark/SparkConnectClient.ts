/**
 * A Spark Connect client over gRPC, sized to what fraudops needs: one session with its config, SQL, file reads and
 * writes, schema analysis, Arrow results, interrupts and reattachable execution, with deadlines and a token.
 *
 * Every query is started reattachable: when the response stream breaks (a proxy drops the connection, the server
 * ends a long stream) the client reattaches to the same operation from the last response it saw, so a long
 * query survives a network blip; results are never duplicated or lost. When the session itself is gone the
 * query fails with SPARK_SESSION_LOST.
 *
 * @example
 *   const spark = await SparkConnectClient.connect('sc://127.0.0.1:15002');
 *   try {
 *     const table = await spark.collect(sqlRelation('SELECT 1 AS one'));
 *   } finally {
 *     await spark.close();
 *   }
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { loadConnectProtocol, type ConnectProtocol } from './connectProtos.js';
import { parseConnectUri, redact, type ConnectTarget } from './connectUri.js';
import { GrpcStatus, SparkConnectError, readFailure, toSparkError } from './SparkConnectError.js';
import { describeSchema, type SparkField } from './sparkSchema.js';
import { sqlCommand, writeCommand, type Plan, type Relation, type WriteOptions } from './plans.js';

export interface SparkConnectOptions {
  /** Deadline of each short call (config, analyze, interrupt, release), in ms. Default 60 000. */
  callTimeoutMs?: number;
  /** Deadline of each query, in ms; past it the query is interrupted on the server. Default: none. */
  queryTimeoutMs?: number;
  /** How long to wait for the server to answer the first call, in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Reattach attempts after a broken stream before giving up. Default 8. */
  maxReattachAttempts?: number;
  /** Session configuration set right after connecting (`spark.sql.session.timeZone`...). */
  conf?: Record<string, string>;
  env?: Record<string, string | undefined>;
  /** Download cache for the protocol files. Default: FRAUDOPS_CACHE_DIR or ~/.cache/fraudops. */
  cacheDir?: string;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Tags the operation so `interrupt({ tag })` can stop it from elsewhere. */
  tags?: string[];
}

type Message = Record<string, any>;
type ServiceClient = grpc.Client & Record<string, any>;

const CLIENT_TYPE = 'fraudops';

/**
 * How often the channel pings a quiet connection. A gRPC Java server (Spark Connect's) by default refuses pings
 * closer than 5 minutes apart: after two such pings it closes the connection with GOAWAY ENHANCE_YOUR_CALM
 * ("too_many_pings"), which fails the running call as RESOURCE_EXHAUSTED, "Bandwidth exhausted or memory limit
 * exceeded". A statement that runs for minutes without sending a response (a 20M-row prepare) was cut off that
 * way with a 30 s interval. Pinging just above the server's floor keeps dead-connection detection without it.
 */
export const KEEPALIVE_MS = 330_000;

export class SparkConnectClient {
  readonly sessionId: string;
  private serverSessionId: string | undefined;
  private closed = false;

  private constructor(
    private readonly target: ConnectTarget,
    private readonly endpoint: string,
    private readonly client: ServiceClient,
    private readonly protocol: ConnectProtocol,
    private readonly options: SparkConnectOptions,
  ) {
    this.sessionId = target.sessionId ?? randomUUID();
  }

  /** Connects and checks the server answers (and accepts the credentials) by asking its Spark version. */
  static async connect(uri: string, options: SparkConnectOptions = {}): Promise<SparkConnectClient> {
    const target = parseConnectUri(uri, options.env);
    const protocol = await loadConnectProtocol(options.cacheDir);
    const endpoint = `${target.host}:${target.port}`;
    const credentials = target.useSsl ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
    const client = new protocol.Service(endpoint, credentials, {
      'grpc.max_receive_message_length': 256 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.keepalive_time_ms': KEEPALIVE_MS,
      'grpc.primary_user_agent': target.userAgent,
    }) as ServiceClient;
    const spark = new SparkConnectClient(target, redact(`sc://${endpoint}`), client, protocol, options);
    try {
      await spark.waitForReady(options.connectTimeoutMs ?? 10_000);
      await spark.version();
      if (options.conf && Object.keys(options.conf).length > 0) await spark.setConf(options.conf);
    } catch (e) {
      client.close();
      throw e;
    }
    return spark;
  }

  get address(): string {
    return this.endpoint;
  }

  async version(): Promise<string> {
    const r = await this.unary('AnalyzePlan', { ...this.base(), spark_version: {} });
    return r.spark_version.version as string;
  }

  async setConf(pairs: Record<string, string>): Promise<void> {
    await this.unary('Config', {
      ...this.base(),
      operation: { set: { pairs: Object.entries(pairs).map(([key, value]) => ({ key, value })) } },
    });
  }

  async getConf(keys: readonly string[]): Promise<Record<string, string | undefined>> {
    const r = await this.unary('Config', { ...this.base(), operation: { get_option: { keys: [...keys] } } });
    const out: Record<string, string | undefined> = {};
    for (const p of r.pairs as { key: string; value?: string }[]) out[p.key] = p.value;
    return out;
  }

  /** The schema Spark derives for a relation, without running it. */
  async schema(relation: Relation): Promise<SparkField[]> {
    const r = await this.unary('AnalyzePlan', { ...this.base(), schema: { plan: { root: relation } } });
    return describeSchema(r.schema.schema);
  }

  /** Runs a relation and returns its rows as one Arrow table. */
  async collect(relation: Relation, options: ExecuteOptions = {}): Promise<Table> {
    const batches: RecordBatch[] = [];
    let schemaOnly: Table | undefined;
    for await (const r of this.execute({ root: relation }, options)) {
      if (r.response_type === 'arrow_batch') {
        const table = tableFromIPC(r.arrow_batch.data as Buffer);
        if (table.batches.length === 0) schemaOnly ??= table;
        batches.push(...table.batches);
      }
    }
    if (batches.length > 0) return new Table(batches);
    if (schemaOnly) return schemaOnly;
    throw new SparkConnectError('SPARK_PROTOCOL', `Spark Connect at ${this.endpoint} returned no Arrow batch for a query`, {
      context: { endpoint: this.endpoint },
    });
  }

  /** Runs a command (a SQL statement, a write) to completion. */
  async command(plan: Plan, options: ExecuteOptions = {}): Promise<void> {
    for await (const _ of this.execute(plan, options)) {
      // Responses of a command carry metrics and the completion marker only.
    }
  }

  /** Runs a SQL statement eagerly (DDL, INSERT, SET, CACHE...). */
  runSql(statement: string, options: ExecuteOptions = {}): Promise<void> {
    return this.command(sqlCommand(statement), options);
  }

  write(input: Relation, format: string, path: string, o: WriteOptions & ExecuteOptions = {}): Promise<void> {
    return this.command(writeCommand(input, format, path, o), o);
  }

  /** Interrupts this session's operations: all of them, those with a tag, or one by id. */
  async interrupt(which: { all: true } | { tag: string } | { operationId: string }): Promise<string[]> {
    const request: Message = { ...this.base() };
    if ('all' in which) request.interrupt_type = 'INTERRUPT_TYPE_ALL';
    else if ('tag' in which) Object.assign(request, { interrupt_type: 'INTERRUPT_TYPE_TAG', operation_tag: which.tag });
    else Object.assign(request, { interrupt_type: 'INTERRUPT_TYPE_OPERATION_ID', operation_id: which.operationId });
    const r = await this.unary('Interrupt', request);
    return (r.interrupted_ids as string[]) ?? [];
  }

  /** Runs a plan and yields every response, reattaching after broken streams until the result is complete. */
  async *execute(plan: Plan, options: ExecuteOptions = {}): AsyncGenerator<Message> {
    this.assertOpen();
    const operationId = randomUUID();
    const timeoutMs = options.timeoutMs ?? this.options.queryTimeoutMs;
    const started = Date.now();
    const maxAttempts = this.options.maxReattachAttempts ?? 8;
    let lastResponseId: string | undefined;
    let executeAccepted = false;
    let attempt = 0;
    let complete = false;
    let call: grpc.ClientReadableStream<Message> | undefined;
    let stopReason: 'signal' | 'deadline' | undefined;
    const stop = (reason: 'signal' | 'deadline') => {
      stopReason ??= reason;
      call?.cancel();
    };
    const onAbort = () => stop('signal');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs ? setTimeout(() => stop('deadline'), timeoutMs) : undefined;
    try {
      options.signal?.throwIfAborted();
      while (!complete) {
        if (stopReason) break;
        call = executeAccepted
          ? this.client.ReattachExecute(
              { ...this.base(), operation_id: operationId, ...(lastResponseId ? { last_response_id: lastResponseId } : {}) },
              this.metadata(),
            )
          : this.client.ExecutePlan(
              {
                ...this.base(),
                operation_id: operationId,
                plan,
                request_options: [{ reattach_options: { reattachable: true } }],
                tags: options.tags ?? [],
              },
              this.metadata(),
            );
        try {
          for await (const r of call as AsyncIterable<Message>) {
            executeAccepted = true;
            attempt = 0;
            this.observeServerSession(r.server_side_session_id);
            lastResponseId = r.response_id || lastResponseId;
            if (r.response_type === 'result_complete') complete = true;
            yield r;
          }
          // A stream that ends without ResultComplete has more to come: reattach.
          executeAccepted = true;
        } catch (e) {
          if (stopReason) break;
          const failure = readFailure(e as grpc.ServiceError, this.protocol);
          const brokenStream = failure.grpcCode === GrpcStatus.UNAVAILABLE || (failure.grpcCode === GrpcStatus.INTERNAL && !failure.errorClass);
          if (failure.errorClass === 'INVALID_HANDLE.OPERATION_NOT_FOUND' && !executeAccepted) {
            // The first request never reached the server: send it again (same operation id).
          } else if (failure.errorClass === 'INVALID_HANDLE.OPERATION_ALREADY_EXISTS') {
            executeAccepted = true;
          } else if (!brokenStream || attempt >= maxAttempts) {
            throw this.error(failure, { operationId });
          }
          if (brokenStream && attempt === 0 && lastResponseId === undefined) {
            // We cannot tell whether the server saw the request; reattaching tells us (OPERATION_NOT_FOUND if not).
            executeAccepted = true;
          }
          attempt++;
          await sleep(Math.min(5_000, 100 * 2 ** attempt));
        }
      }
      if (stopReason === 'deadline') {
        throw new SparkConnectError('SPARK_DEADLINE', `Spark query exceeded its deadline of ${timeoutMs} ms and was interrupted`, {
          context: { endpoint: this.endpoint, operationId, elapsedMs: Date.now() - started },
        });
      }
      if (stopReason === 'signal') {
        throw new SparkConnectError('SPARK_INTERRUPTED', 'the Spark query was interrupted by the caller', {
          context: { endpoint: this.endpoint, operationId },
          cause: options.signal?.reason,
        });
      }
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      call?.cancel();
      if (!complete) await this.interrupt({ operationId }).catch(() => undefined);
      if (executeAccepted) this.releaseAll(operationId);
    }
  }

  /** Releases the session on the server and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.unary('ReleaseSession', { session_id: this.sessionId, user_context: this.userContext(), client_type: CLIENT_TYPE }, 5_000);
    } catch {
      // The server may already be gone; the session then times out there on its own.
    } finally {
      this.closed = true;
      this.client.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private releaseAll(operationId: string): void {
    this.client.ReleaseExecute(
      { ...this.base(), operation_id: operationId, release_all: {} },
      this.metadata(),
      { deadline: Date.now() + 10_000 },
      () => undefined,
    );
  }

  private base(): Message {
    return {
      session_id: this.sessionId,
      user_context: this.userContext(),
      client_type: CLIENT_TYPE,
      ...(this.serverSessionId ? { client_observed_server_side_session_id: this.serverSessionId } : {}),
    };
  }

  private userContext(): Message {
    return { user_id: this.target.userId, user_name: this.target.userId };
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.target.token !== undefined) md.set('authorization', `Bearer ${this.target.token}`);
    for (const [k, v] of Object.entries(this.target.headers)) md.set(k, v);
    return md;
  }

  private observeServerSession(id: string | undefined): void {
    if (!id) return;
    if (this.serverSessionId && this.serverSessionId !== id) {
      throw new SparkConnectError('SPARK_SESSION_LOST', `the Spark session changed on the server (it restarted or the session expired)`, {
        context: { endpoint: this.endpoint, sessionId: this.sessionId },
      });
    }
    this.serverSessionId = id;
  }

  private unary(method: string, request: Message, timeoutMs?: number): Promise<Message> {
    this.assertOpen(method);
    const deadline = Date.now() + (timeoutMs ?? this.options.callTimeoutMs ?? 60_000);
    return new Promise((resolve, reject) => {
      this.client[method](request, this.metadata(), { deadline }, (err: grpc.ServiceError | null, response: Message) => {
        if (err) return reject(this.error(readFailure(err, this.protocol), { call: method }));
        try {
          this.observeServerSession(response.server_side_session_id);
        } catch (e) {
          return reject(e);
        }
        resolve(response);
      });
    });
  }

  private waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.waitForReady(Date.now() + timeoutMs, (err?: Error) => {
        if (!err) return resolve();
        reject(
          new SparkConnectError('SPARK_UNREACHABLE', `Spark Connect at ${this.endpoint} is unreachable (no answer within ${timeoutMs} ms)`, {
            context: { endpoint: this.endpoint },
            retriable: true,
          }),
        );
      });
    });
  }

  private error(failure: ReturnType<typeof readFailure>, context: Record<string, string>): SparkConnectError {
    return toSparkError(failure, { ...context, endpoint: this.endpoint, sessionId: this.sessionId });
  }

  private assertOpen(what = 'query'): void {
    if (this.closed) {
      throw new SparkConnectError('SPARK_SESSION_LOST', `the Spark Connect client is closed (${what})`, { context: { endpoint: this.endpoint } });
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
