/**
 * IAM tokens for a Yandex Cloud service account from its authorized key (the JSON `yc iam key create` writes):
 * a JWT signed with PS256 (RSA-PSS, SHA-256) over { iss: service account, aud: the tokens endpoint, iat, exp },
 * exchanged at the IAM tokens endpoint. Tokens are cached until shortly before they expire, and dropped on a 401
 * so the next call exchanges a fresh one. Only node:crypto is used.
 */
import { createPrivateKey, sign, constants, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, PipelineError } from '../../../errors.js';

export const IAM_TOKENS_URL = 'https://iam.api.cloud.yandex.net/iam/v1/tokens';

export interface AuthorizedKey {
  id: string;
  service_account_id: string;
  private_key: string;
}

export interface IamTokenSourceOptions {
  key: AuthorizedKey;
  tokensUrl?: string;
  /** Refresh this long before the token's expiry. */
  marginMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export function readAuthorizedKey(path: string): AuthorizedKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(`service account key ${path}: cannot read it as JSON (${(e as Error).message})`, { context: { file: path } });
  }
  const k = parsed as Partial<AuthorizedKey>;
  for (const field of ['id', 'service_account_id', 'private_key'] as const) {
    if (typeof k[field] !== 'string' || k[field] === '') {
      throw new ConfigError(`service account key ${path}: field ${field} is missing (expected the authorized key JSON of \`yc iam key create\`)`, { context: { file: path, field } });
    }
  }
  return k as AuthorizedKey;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The PS256-signed JWT the tokens endpoint exchanges for an IAM token. */
export function signJwt(key: AuthorizedKey, privateKey: KeyObject, audience: string, nowMs: number): string {
  const iat = Math.floor(nowMs / 1000);
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'PS256', kid: key.id }));
  const payload = base64url(JSON.stringify({ iss: key.service_account_id, aud: audience, iat, exp: iat + 3600 }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  });
  return `${header}.${payload}.${base64url(signature)}`;
}

export class IamTokenSource {
  private cached?: { token: string; expiresAt: number };
  private readonly privateKey: KeyObject;
  readonly tokensUrl: string;
  /** How many tokens were exchanged (for diagnostics). */
  exchanges = 0;

  constructor(private readonly o: IamTokenSourceOptions) {
    this.tokensUrl = o.tokensUrl ?? IAM_TOKENS_URL;
    // Newer keys start with a "PLEASE DO NOT REMOVE THIS LINE!" marker before the PEM block.
    const pem = o.key.private_key.slice(Math.max(0, o.key.private_key.indexOf('-----BEGIN')));
    try {
      this.privateKey = createPrivateKey(pem);
    } catch (e) {
      throw new ConfigError(`service account key ${o.key.id}: private_key is not a PEM private key (${(e as Error).message})`, { context: { field: 'private_key' } });
    }
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  async token(signal?: AbortSignal): Promise<string> {
    const margin = this.o.marginMs ?? 5 * 60_000;
    if (this.cached && this.cached.expiresAt - margin > this.now()) return this.cached.token;
    // The audience is the tokens endpoint of the real cloud whatever URL answers (a stand-in checks the same).
    const jwt = signJwt(this.o.key, this.privateKey, IAM_TOKENS_URL, this.now());
    const res = await (this.o.fetch ?? fetch)(this.tokensUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jwt }),
      signal,
    }).catch((e: unknown) => {
      throw new PipelineError('CLUSTER_API', `IAM token exchange at ${this.tokensUrl} failed: ${(e as Error).message}`, { retriable: true, cause: e });
    });
    const body = (await res.json().catch(() => ({}))) as { iamToken?: string; expiresAt?: string; message?: string };
    if (!res.ok || !body.iamToken) {
      throw new PipelineError('CLUSTER_AUTH', `IAM token exchange for service account ${this.o.key.service_account_id} (key ${this.o.key.id}) refused: HTTP ${res.status}${body.message ? `: ${body.message}` : ''}`, {
        retriable: res.status >= 500,
        context: { url: this.tokensUrl, status: res.status },
      });
    }
    this.exchanges++;
    const expiresAt = body.expiresAt ? Date.parse(body.expiresAt) : this.now() + 3600_000;
    this.cached = { token: body.iamToken, expiresAt };
    return body.iamToken;
  }

  /** Forget the cached token (the API answered 401). */
  invalidate(): void {
    this.cached = undefined;
  }
}
