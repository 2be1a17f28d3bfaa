import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_USAGE, main } from '../main.js';

let out: string[];
let err: string[];
let dir: string;
beforeEach(() => {
  out = [];
  err = [];
  dir = mkdtempSync(join(tmpdir(), 'fraudops-ui-cli-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** The error document `--json` prints on failure. */
const errorOf = () => JSON.parse(out.join('') || err.join('')).error as { code: string; context: Record<string, unknown> };

describe('cli > ui > usage', () => {
  it('refuses a port that is not a whole number from 0 to 65535 with exit 2, naming --port', async () => {
    for (const port of ['70000', '-1', '80.5', 'http']) {
      out = [];
      err = [];
      expect(await main(['ui', '--port', port, '--json'], {}), port).toBe(EXIT_USAGE);
      expect(errorOf().code, port).toBe('CONFIG_INVALID');
      expect(JSON.stringify(errorOf()), port).toContain('port');
    }
  });

  it('a port another process listens on is exit 2 with what to do, not a stack trace', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    try {
      expect(await main(['ui', '--port', String(port), '--db', join(dir, 'pipeline'), '--json'], { HOME: dir })).toBe(EXIT_USAGE);
      expect(errorOf()).toMatchObject({ code: 'CONFIG_INVALID', context: { field: 'port' } });
    } finally {
      busy.close();
    }
  });

  it('a tracking store named on purpose must exist (exit 2), and off loopback a token is required (exit 2)', async () => {
    expect(await main(['ui', '--port', '0', '--tracking', join(dir, 'no-such-store'), '--json'], {})).toBe(EXIT_USAGE);
    expect(errorOf().code).toBe('TRACKING_STORE_MISSING');
    out = [];
    err = [];
    expect(await main(['ui', '--port', '0', '--host', '0.0.0.0', '--json'], {})).toBe(EXIT_USAGE);
    expect(errorOf().code).toBe('CONFIG_INVALID');
  });
});
