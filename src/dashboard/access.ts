/**
 * Who may talk to the dashboard. Bound to loopback it needs no token (only this machine reaches it); bound to
 * any other address it refuses to start without one, and then every request must carry it — as
 * `Authorization: Bearer <token>`, or as the cookie a browser gets after opening `/?token=<token>` once.
 * On loopback, requests must also name a loopback host, so a web page the user visits cannot reach the
 * dashboard through DNS rebinding. Form posts (retry, cancel) carry a per-process form token, so another site
 * cannot submit them in the user's name.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';

export const TOKEN_COOKIE = 'fraudops_ui_token';
export const TOKEN_ENV = 'FRAUDOPS_UI_TOKEN';

export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h.startsWith('::ffff:127.');
  return false;
}

export interface AccessPolicy {
  /** Whether a request must carry the token. */
  requireToken: boolean;
  /** Checks a presented token in constant time. */
  tokenMatches(presented: string | undefined): boolean;
  /** Loopback binds only: whether the Host header names this machine. */
  hostAllowed(hostHeader: string | undefined): boolean;
  /** Hidden field of every form that changes state. */
  readonly formToken: string;
}

/** Fails with CONFIG_INVALID (exit 2) for a non-loopback bind without a token. */
export function accessPolicy(o: { host: string; token?: string }): AccessPolicy {
  const token = o.token?.trim() || undefined;
  const loopback = isLoopbackAddress(o.host);
  if (!loopback && !token) {
    throw new ConfigError(
      `fraudops ui: binding to ${o.host} exposes the dashboard beyond this machine; give a token with --token or ${TOKEN_ENV} (every request must then carry it)`,
      { context: { field: 'token' } },
    );
  }
  if (token !== undefined && token.length < 8) {
    throw new ConfigError('fraudops ui: the token must be at least 8 characters', { context: { field: 'token' } });
  }
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = token === undefined ? undefined : digest(token);
  return {
    requireToken: expected !== undefined,
    tokenMatches: (presented) => expected !== undefined && presented !== undefined && timingSafeEqual(digest(presented), expected),
    hostAllowed: (hostHeader) => {
      if (!loopback) return true;
      if (!hostHeader) return false;
      const name = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
      return isLoopbackAddress(name);
    },
    formToken: randomBytes(18).toString('base64url'),
  };
}

/** The token a request carries: bearer header first, then the cookie. */
export function presentedToken(headers: { authorization?: string; cookie?: string }): string | undefined {
  const auth = headers.authorization;
  if (auth && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  for (const part of (headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return decodeURIComponent(v.join('='));
  }
  return undefined;
}
