/**
 * Parses Spark Connect connection strings: `sc://host[:port][/;name=value;...]`, the format every Spark
 * Connect client accepts. Known parameters are `token` (sent as `Authorization: Bearer`), `use_ssl`, `user_id`,
 * `user_agent` and `session_id`; any other parameter is sent as a gRPC header on every call (for gateways and
 * proxies that route or authenticate by header).
 */
import { ConfigError } from '../../errors.js';

export const DEFAULT_CONNECT_PORT = 15002;

export interface ConnectTarget {
  host: string;
  port: number;
  token?: string;
  useSsl: boolean;
  userId: string;
  userAgent: string;
  sessionId?: string;
  headers: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseConnectUri(uri: string, env: Record<string, string | undefined> = process.env): ConnectTarget {
  const bad = (why: string) => new ConfigError(`invalid Spark Connect URI ${redact(uri)}: ${why}`, { context: { uri: redact(uri) } });
  if (!uri.startsWith('sc://')) throw bad('it must start with sc://');
  const rest = uri.slice('sc://'.length);
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const tail = slash < 0 ? '' : rest.slice(slash + 1);
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(authority);
  if (!m) throw bad('expected sc://host[:port]');
  const port = m[2] === undefined ? DEFAULT_CONNECT_PORT : Number(m[2]);
  if (port < 1 || port > 65535) throw bad(`port ${m[2]} is out of range`);
  const target: ConnectTarget = {
    host: m[1],
    port,
    useSsl: false,
    userId: env.USER || 'fraudops',
    userAgent: 'fraudops',
    headers: {},
  };
  if (tail !== '' && !tail.startsWith(';')) throw bad('parameters follow the path as /;name=value');
  for (const pair of tail.split(';').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw bad(`parameter "${pair.split('=')[0]}" has no value`);
    const name = pair.slice(0, eq);
    const value = decodeURIComponent(pair.slice(eq + 1));
    switch (name) {
      case 'token':
        target.token = value;
        break;
      case 'use_ssl':
        if (value !== 'true' && value !== 'false') throw bad('use_ssl must be true or false');
        target.useSsl = value === 'true';
        break;
      case 'user_id':
        target.userId = value;
        break;
      case 'user_agent':
        target.userAgent = value;
        break;
      case 'session_id':
        if (!UUID.test(value)) throw bad('session_id must be a UUID');
        target.sessionId = value.toLowerCase();
        break;
      default:
        if (!/^[a-z0-9-_.]+$/i.test(name)) throw bad(`parameter ${name} is not a valid header name`);
        target.headers[name.toLowerCase()] = value;
    }
  }
  // The server's own variable: a client on the same machine as a token-protected server finds the token there.
  if (target.token === undefined && env.SPARK_CONNECT_AUTHENTICATE_TOKEN) target.token = env.SPARK_CONNECT_AUTHENTICATE_TOKEN;
  return target;
}

/** The URI with its token hidden, for messages and logs. */
export function redact(uri: string): string {
  return uri.replace(/(;token=)[^;]*/g, '$1***');
}
