/**
 * The wire layer of the MLflow backend: builds requests against `<base>/api/2.0/...`, adds credentials, encodes
 * the JSON the way MLflow's protobuf mapping does (NaN as the string "NaN"), and turns every failure into a
 * TrackingError with a code: unreachable servers are TRACKING_UNAVAILABLE (retriable, with the URI), MLflow's
 * `error_code`s map to RESOURCE_NOT_FOUND / INVALID_PARAMETER / RESOURCE_ALREADY_EXISTS.
 */
import { TrackingCodes, TrackingError, type TrackingCode } from './TrackingError.js';

export interface MlflowAuth {
  /** Sent as `Authorization: Bearer <token>` (MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** Basic auth (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD). */
  username?: string;
  password?: string;
}

export interface MlflowHttpOptions extends MlflowAuth {
  /** Per-request timeout for API calls; default 30 s. */
  timeoutMs?: number;
  /** Per-request timeout for artifact uploads and downloads; default 10 min. */
  artifactTimeoutMs?: number;
}

type Query = Record<string, string | number | undefined>;

const ERROR_CODES: Record<string, TrackingCode> = {
  RESOURCE_DOES_NOT_EXIST: TrackingCodes.NOT_FOUND,
  NOT_FOUND: TrackingCodes.NOT_FOUND,
  ENDPOINT_NOT_FOUND: TrackingCodes.NOT_FOUND,
  RESOURCE_ALREADY_EXISTS: TrackingCodes.ALREADY_EXISTS,
  INVALID_PARAMETER_VALUE: TrackingCodes.INVALID_PARAMETER,
  BAD_REQUEST: TrackingCodes.INVALID_PARAMETER,
  MALFORMED_REQUEST: TrackingCodes.INVALID_PARAMETER,
  INVALID_STATE: TrackingCodes.INVALID_PARAMETER,
  PERMISSION_DENIED: TrackingCodes.PERMISSION_DENIED,
  UNAUTHENTICATED: TrackingCodes.PERMISSION_DENIED,
  TEMPORARILY_UNAVAILABLE: TrackingCodes.UNAVAILABLE,
  REQUEST_LIMIT_EXCEEDED: TrackingCodes.UNAVAILABLE,
};

/** Socket errors of a connection closed under a request: the server never saw it, or saw it cut short. */
const STALE_CONNECTION = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

export class MlflowHttp {
  private readonly headers: Record<string, string> = {};
  private readonly timeoutMs: number;
  readonly artifactTimeoutMs: number;

  constructor(readonly baseUrl: string, options: MlflowHttpOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.artifactTimeoutMs = options.artifactTimeoutMs ?? 600_000;
    if (options.token) this.headers.authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined && options.password !== undefined) {
      this.headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    }
  }

  /** GET `api/2.0/mlflow/<endpoint>?query`. */
  get<T>(endpoint: string, query: Query = {}): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
    const suffix = qs.size > 0 ? `?${qs.toString()}` : '';
    return this.json<T>('GET', `api/2.0/mlflow/${endpoint}${suffix}`);
  }

  /** POST (or DELETE/PATCH) `api/2.0/mlflow/<endpoint>` with a JSON body. */
  send<T>(method: 'POST' | 'DELETE' | 'PATCH', endpoint: string, body: unknown): Promise<T> {
    return this.json<T>(method, `api/2.0/mlflow/${endpoint}`, body);
  }

  /** A JSON request to a path outside `api/2.0/mlflow/<endpoint>` style (logged models: `.../logged-models/{id}`). */
  sendTo<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.json<T>(method, path, body);
  }

  /** A raw request (artifact proxy); errors mapped, response returned for the caller to consume. */
  async request(
    method: string,
    path: string,
    init: { body?: RequestInit['body']; headers?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<Response> {
    const url = `${this.baseUrl}/${path}`;
    const streamed = !!init.body && typeof init.body === 'object' && 'getReader' in init.body;
    const send = () =>
      fetch(url, {
        method,
        headers: { ...this.headers, ...init.headers },
        body: init.body,
        signal: AbortSignal.timeout(init.timeoutMs ?? this.timeoutMs),
        // Needed by Node's fetch when the body is a stream.
        ...(streamed ? { duplex: 'half' } : {}),
      } as RequestInit);
    let res: Response;
    try {
      res = await send().catch((e: unknown) => {
        // A pooled keep-alive connection the server closed while this process was busy (a synchronous model fit
        // keeps the pool from noticing) fails the next request before the server reads it: send it once more on
        // a fresh connection, as MLflow's own client does. A stream body cannot be sent twice.
        if (streamed || !STALE_CONNECTION.has(String((e as { cause?: { code?: string } }).cause?.code))) throw e;
        return send();
      });
    } catch (e) {
      throw this.unavailable(path, e);
    }
    if (!res.ok) throw await this.httpError(path, res);
    return res;
  }

  /** A raw request whose answer must be a JSON object (artifact listings). */
  requestJson<T>(method: string, path: string): Promise<T> {
    return this.json<T>(method, path);
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, {
      body: body === undefined ? undefined : JSON.stringify(body, nanReplacer),
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
    });
    const endpoint = path.split('?')[0];
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      // The connection closed before the whole body arrived (a server dying mid-answer, a proxy timeout).
      throw new TrackingError(TrackingCodes.UNAVAILABLE, `tracking server ${this.baseUrl} cut its answer to ${endpoint} short`, {
        context: { uri: this.baseUrl, endpoint, status: res.status },
        retriable: true,
        cause: e,
      });
    }
    if (text.trim() === '') return {} as T;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      const truncated = /^\s*[[{]/.test(text);
      throw new TrackingError(
        TrackingCodes.PROTOCOL,
        truncated
          ? `tracking server ${this.baseUrl} answered ${endpoint} with incomplete JSON (${text.length} bytes, cut short)`
          : `tracking server ${this.baseUrl} answered ${endpoint} with ${describeBody(res, text)}, not MLflow's JSON API; is it an MLflow tracking server?`,
        { context: { uri: this.baseUrl, endpoint, status: res.status, contentType: res.headers.get('content-type') ?? '' }, retriable: truncated, cause: e },
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new TrackingError(TrackingCodes.PROTOCOL, `tracking server ${this.baseUrl} answered ${endpoint} with JSON that is not an object`, {
        context: { uri: this.baseUrl, endpoint, status: res.status },
      });
    }
    return parsed as T;
  }

  /**
   * The field an answer must carry: a server answering 200 `{}` (a stand-in, a misrouted proxy, an
   * incompatible version) gets a TRACKING_PROTOCOL error naming the endpoint and the field, not a TypeError.
   */
  need<T, K extends keyof T>(answer: T, field: K, endpoint: string): NonNullable<T[K]> {
    const value = answer?.[field];
    if (value === undefined || value === null) {
      throw new TrackingError(TrackingCodes.PROTOCOL, `tracking server ${this.baseUrl} answered ${endpoint} without '${String(field)}'; is it an MLflow tracking server of version 2.x or 3.x?`, {
        context: { uri: this.baseUrl, endpoint, field: String(field) },
      });
    }
    return value as NonNullable<T[K]>;
  }

  private unavailable(path: string, e: unknown): TrackingError {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (e as Error).name ?? 'error';
    return new TrackingError(TrackingCodes.UNAVAILABLE, `tracking server ${this.baseUrl} unreachable (${reason})`, {
      context: { uri: this.baseUrl, endpoint: path, reason },
      retriable: true,
      cause: e,
    });
  }

  private async httpError(path: string, res: Response): Promise<TrackingError> {
    const endpoint = path.split('?')[0];
    const text = await res.text().catch(() => '');
    let errorCode: string | undefined;
    let message: string | undefined;
    try {
      const body = JSON.parse(text) as { error_code?: string; message?: string };
      errorCode = typeof body.error_code === 'string' ? body.error_code : undefined;
      message = typeof body.message === 'string' ? body.message.slice(0, 1000) : undefined;
    } catch {
      // Not JSON (an HTML error page, plain text): never paste the page into the message; describe it.
    }
    let code: TrackingCode | undefined = errorCode ? ERROR_CODES[errorCode] : undefined;
    if (!code) {
      if (res.status === 404) code = errorCode || message ? TrackingCodes.NOT_FOUND : TrackingCodes.PROTOCOL;
      else if (res.status === 401 || res.status === 403) code = TrackingCodes.PERMISSION_DENIED;
      else if (res.status === 429 || res.status === 502 || res.status === 503 || res.status === 504) code = TrackingCodes.UNAVAILABLE;
      else if (res.status === 400) code = TrackingCodes.INVALID_PARAMETER;
      else code = TrackingCodes.FAILED;
    }
    const what =
      message ??
      (code === TrackingCodes.PROTOCOL
        ? `HTTP 404 with ${describeBody(res, text)}: the server does not know MLflow's API; is ${this.baseUrl} an MLflow tracking server?`
        : `HTTP ${res.status} with ${describeBody(res, text)}`);
    return new TrackingError(code, `MLflow ${endpoint}: ${what}`, {
      context: { uri: this.baseUrl, endpoint, status: res.status, mlflowCode: errorCode },
      retriable: code === TrackingCodes.UNAVAILABLE,
    });
  }
}

/** A short description of a body that is not MLflow JSON: its type and size, and a page's <title> if it has one. */
function describeBody(res: Response, text: string): string {
  if (text.trim() === '') return 'an empty body';
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const title = /<title[^>]*>([^<]{1,120})<\/title>/i.exec(text)?.[1]?.trim().replace(/\s+/g, ' ');
  const html = type === 'text/html' || /^\s*<(!doctype|html)/i.test(text);
  const kind = html ? 'an HTML page' : type ? `a ${type} body` : 'a non-JSON body';
  // A short plain answer ("Invalid Host header") says more than its size; a page is only named, never pasted.
  const short = !html && text.length <= 200 && !/[\u0000-\u0008]/.test(text) ? `: "${text.trim().replace(/\s+/g, ' ')}"` : '';
  return `${kind}${title ? ` titled "${title}"` : ''} (${text.length} bytes)${short}`;
}

function nanReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/** MLflow sends NaN and infinities as strings. */
export function wireNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return Number(value);
}
