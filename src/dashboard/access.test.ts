import { describe, expect, it } from 'vitest';
import { accessPolicy, isLoopbackAddress, presentedToken } from './access.js';

describe('dashboard > access', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackAddress(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '128.0.0.1']) expect(isLoopbackAddress(h)).toBe(false);
  });

  it('refuses a non-loopback bind without a token', () => {
    expect(() => accessPolicy({ host: '0.0.0.0' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => accessPolicy({ host: '0.0.0.0', token: 'short' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(accessPolicy({ host: '0.0.0.0', token: 'a-long-token' }).requireToken).toBe(true);
    expect(accessPolicy({ host: '127.0.0.1' }).requireToken).toBe(false);
  });

  it('matches only the exact token', () => {
    const p = accessPolicy({ host: '0.0.0.0', token: 'a-long-token' });
    expect(p.tokenMatches('a-long-token')).toBe(true);
    expect(p.tokenMatches('a-long-token2')).toBe(false);
    expect(p.tokenMatches(undefined)).toBe(false);
  });

  it('on loopback, accepts only loopback Host headers', () => {
    const p = accessPolicy({ host: '127.0.0.1' });
    expect(p.hostAllowed('127.0.0.1:8080')).toBe(true);
    expect(p.hostAllowed('localhost:8080')).toBe(true);
    expect(p.hostAllowed('[::1]:8080')).toBe(true);
    expect(p.hostAllowed('evil.example:8080')).toBe(false);
    expect(p.hostAllowed(undefined)).toBe(false);
  });

  it('reads the token from a bearer header or the cookie', () => {
    expect(presentedToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedToken({ cookie: 'x=1; fraudops_ui_token=t%3Dk' })).toBe('t=k');
    expect(presentedToken({})).toBeUndefined();
  });
});
