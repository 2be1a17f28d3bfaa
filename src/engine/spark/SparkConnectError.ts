/**
 * Errors of the Spark Connect client, one code per thing a user can act on:
 *   SPARK_UNREACHABLE   nothing answers at the address (retriable: the server may be starting)
 *   SPARK_AUTH_FAILED   the server refused the token or headers
 *   SPARK_QUERY_FAILED  Spark ran the request and it failed (SQL error, missing path...); carries Spark's error
 *                       class and SQLSTATE
 *   SPARK_SESSION_LOST  the session is gone (released, timed out, or the server restarted) and the running
 *                       query could not be reattached
 *   SPARK_DEADLINE      the call or query outlived its deadline (the query was interrupted on the server)
 *   SPARK_INTERRUPTED   the query was interrupted (by the caller's abort signal or another client)
 *   SPARK_PROTOCOL      the server answered something this client does not understand
 * Messages are one line with Spark's own first line; stack traces are never included.
 */
import type * as grpc from '@grpc/grpc-js';
import { FraudopsError, type ErrorContext } from '../../errors.js';
import type { ConnectProtocol } from './connectProtos.js';

export type SparkErrorCode =
  | 'SPARK_UNREACHABLE'
  | 'SPARK_AUTH_FAILED'
  | 'SPARK_QUERY_FAILED'
  | 'SPARK_SESSION_LOST'
  | 'SPARK_DEADLINE'
  | 'SPARK_INTERRUPTED'
  | 'SPARK_PROTOCOL';

export class SparkConnectError extends FraudopsError {
  constructor(
    readonly sparkCode: SparkErrorCode,
    message: string,
    options: { context?: ErrorContext; retriable?: boolean; cause?: unknown; errorClass?: string; sqlState?: string; errorId?: string } = {},
  ) {
    super(sparkCode, message, {
      ...options,
      context: { ...options.context, errorClass: options.errorClass, sqlState: options.sqlState },
    });
    this.errorClass = options.errorClass;
    this.sqlState = options.sqlState;
    this.errorId = options.errorId;
  }
  readonly errorClass?: string;
  readonly sqlState?: string;
  /** Server-side id of the failure, for FetchErrorDetails. */
  readonly errorId?: string;
}

/** gRPC status codes (numbers, so this module does not load grpc-js). */
const Status = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface SparkFailure {
  grpcCode: number;
  message: string;
  errorClass?: string;
  sqlState?: string;
  errorId?: string;
}

/** What the server said, read from the status and its google.rpc.ErrorInfo detail. */
export function readFailure(e: grpc.ServiceError, protocol: ConnectProtocol): SparkFailure {
  const failure: SparkFailure = { grpcCode: e.code, message: e.details || e.message };
  const raw = e.metadata?.get('grpc-status-details-bin')?.[0];
  if (raw instanceof Buffer) {
    try {
      const status = protocol.decodeStatus(raw);
      if (status.message) failure.message = status.message;
      const meta = status.errorInfo?.metadata ?? {};
      failure.errorClass = meta.errorClass || undefined;
      failure.sqlState = meta.sqlState || undefined;
      failure.errorId = meta.errorId || undefined;
      if (!failure.errorClass && status.errorInfo?.reason) failure.errorClass = lastName(status.errorInfo.reason);
    } catch {
      // An undecodable detail leaves the plain status message, which is still meaningful.
    }
  }
  return failure;
}

/** The session, or the running execution with it, no longer exists on the server. */
const SESSION_GONE = /^(INVALID_HANDLE\.(SESSION_CLOSED|SESSION_NOT_FOUND|SESSION_CHANGED|OPERATION_ABANDONED)|INVALID_CURSOR\.DISCONNECTED)/;

/** Maps a failed call to the error a user sees. `what` names the call ("query", "config"...). */
export function toSparkError(failure: SparkFailure, context: ErrorContext & { endpoint: string }): SparkConnectError {
  const first = oneLine(failure.message);
  const opts = { context, errorClass: failure.errorClass, sqlState: failure.sqlState, errorId: failure.errorId };
  switch (failure.grpcCode) {
    case Status.UNAVAILABLE:
      return new SparkConnectError('SPARK_UNREACHABLE', `Spark Connect at ${context.endpoint} is unreachable: ${first}`, {
        ...opts,
        retriable: true,
      });
    case Status.UNAUTHENTICATED:
    case Status.PERMISSION_DENIED:
      return new SparkConnectError(
        'SPARK_AUTH_FAILED',
        `Spark Connect at ${context.endpoint} refused the credentials (check the URI's token= or SPARK_CONNECT_AUTHENTICATE_TOKEN): ${first}`,
        opts,
      );
    case Status.DEADLINE_EXCEEDED:
      return new SparkConnectError('SPARK_DEADLINE', `Spark Connect call exceeded its deadline: ${first}`, { ...opts, retriable: true });
  }
  if (failure.errorClass && SESSION_GONE.test(failure.errorClass)) {
    return new SparkConnectError('SPARK_SESSION_LOST', `the Spark session is gone (${failure.errorClass}): ${first}`, opts);
  }
  if (failure.errorClass === 'OPERATION_CANCELED' || failure.grpcCode === Status.CANCELLED) {
    return new SparkConnectError('SPARK_INTERRUPTED', `the Spark query was interrupted: ${first}`, opts);
  }
  return new SparkConnectError('SPARK_QUERY_FAILED', `Spark: ${first}`, opts);
}

/** Spark messages often carry a plan dump or a JVM trace after the first lines; keep what a person reads. */
function oneLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ') && !l.startsWith('=='));
  const text = lines.slice(0, 2).join(' ');
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function lastName(javaClass: string): string {
  return javaClass.split('.').pop() ?? javaClass;
}

export const GrpcStatus = Status;
