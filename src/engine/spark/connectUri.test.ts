import { describe, expect, it } from 'vitest';
import { parseConnectUri, redact } from './connectUri.js';

describe('engine > spark > connectUri', () => {
  it('reads host, default port and parameters', () => {
    const t = parseConnectUri('sc://spark.internal/;token=abc;user_id=ana;x-route=eu', {});
    expect(t).toMatchObject({ host: 'spark.internal', port: 15002, token: 'abc', userId: 'ana', useSsl: false });
    expect(t.headers).toEqual({ 'x-route': 'eu' });
  });

  it('reads an explicit port and IPv6 host', () => {
    expect(parseConnectUri('sc://[::1]:16000', {})).toMatchObject({ host: '[::1]', port: 16000 });
  });

  it('takes the token from SPARK_CONNECT_AUTHENTICATE_TOKEN when the URI has none', () => {
    expect(parseConnectUri('sc://h', { SPARK_CONNECT_AUTHENTICATE_TOKEN: 's3cret' }).token).toBe('s3cret');
    expect(parseConnectUri('sc://h/;token=mine', { SPARK_CONNECT_AUTHENTICATE_TOKEN: 's3cret' }).token).toBe('mine');
  });

  it.each([
    ['http://h:15002', 'scheme'],
    ['sc://', 'host'],
    ['sc://h:99999', 'port'],
    ['sc://h/;use_ssl=yes', 'use_ssl'],
    ['sc://h/;session_id=nope', 'session id'],
    ['sc://h/token=x', 'parameters without ;'],
    ['sc://h/;token', 'parameter without value'],
  ])('rejects %s (%s) as CONFIG_INVALID without echoing the token', (uri) => {
    try {
      parseConnectUri(`${uri}`, {});
      expect.unreachable();
    } catch (e) {
      expect((e as { code: string }).code).toBe('CONFIG_INVALID');
    }
  });

  it('redacts tokens', () => {
    expect(redact('sc://h/;token=abc;user_id=u')).toBe('sc://h/;token=***;user_id=u');
  });
});
