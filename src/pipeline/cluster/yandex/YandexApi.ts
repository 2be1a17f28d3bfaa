/**
 * A thin client of the Yandex Cloud REST APIs Data Proc needs: authenticated JSON requests (a 401 drops the cached
 * IAM token and retries once with a fresh one), API errors turned into CLUSTER_API errors that name the call and
 * carry the API's own code and message, and long-running operations polled until done.
 */
import { PipelineError } from '../../../errors.js';
import type { IamTokenSource } from './IamTokenSource.js';

export interface Operation {
  id: string;
  done: boolean;
  metadata?: Record<string, unknown>;
  error?: { code?: number; message?: string };
  response?: Record<string, unknown>;
}

export class YandexApiError extends PipelineError {
  constructor(
    message: string,
    readonly status: number,
    readonly apiCode: number | undefined,
    retriable: boolean,
  ) {
    super('CLUSTER_API', message, { retriable, context: { status, apiCode } });
  }
}

/** gRPC status names the API reports in `code`. */
const GRPC = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

export class YandexApi {
  constructor(
    private readonly tokens: IamTokenSource,
    private readonly operationsUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async request<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.tokens.token(signal);
      const res = await this.fetchImpl(url, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      }).catch((e: unknown) => {
        throw new PipelineError('CLUSTER_API', `${method} ${url}: ${(e as Error).message}`, { retriable: true, cause: e });
      });
      if (res.status === 401 && attempt === 0) {
        this.tokens.invalidate();
        continue;
      }
      const text = await res.text();
      const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (!res.ok) {
        const code = typeof json.code === 'number' ? json.code : undefined;
        const name = code !== undefined ? (GRPC[code] ?? String(code)) : `HTTP ${res.status}`;
        throw new YandexApiError(`Data Proc API ${method} ${new URL(url).pathname}: ${name}: ${String(json.message ?? (text.slice(0, 200) || res.statusText))}`, res.status, code, res.status === 429 || res.status >= 500);
      }
      return json as T;
    }
  }

  /** Polls an operation until it is done; a failed operation is a CLUSTER_API error with its message. */
  async wait(op: Operation, what: string, pollMs: number, signal?: AbortSignal): Promise<Operation> {
    let current = op;
    while (!current.done) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, pollMs);
        signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason ?? new Error('aborted')); }, { once: true });
      });
      current = await this.request<Operation>('GET', `${this.operationsUrl}/operations/${encodeURIComponent(op.id)}`, undefined, signal);
    }
    if (current.error) {
      const name = current.error.code !== undefined ? (GRPC[current.error.code] ?? String(current.error.code)) : 'ERROR';
      throw new YandexApiError(`${what}: operation ${current.id} failed: ${name}: ${current.error.message ?? ''}`, 200, current.error.code, false);
    }
    return current;
  }
}
