/**
 * Ctrl-C and SIGTERM while a command works: the real CLI in its own process, stopped mid-run, prints one line
 * and exits 128 + the signal number (130, 143), with no stack trace and no INTERNAL error.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'fraudops-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Stopped {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; sends `signal` once `ready()` holds (polled), returns how it ended. */
function runAndStop(args: string[], signal: NodeJS.Signals, ready: () => boolean): Promise<Stopped> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args], { cwd: ROOT, env: { ...process.env, FRAUDOPS_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const poll = setInterval(() => {
      if (ready()) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 100);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ code, stdout, stderr });
    });
  });
}

describe('cli > signals', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} mid-generate: one line, exit ${code}, no trace`, { timeout: 300_000 }, async () => {
      const out = join(dir, `raw-${signal}`);
      const args = ['generate', '--out', out, '--days', '400', '--customers', '20000', '--terminals', '40000', '--seed', '3'];
      // Stopped once the first day files are written, long before the 400 days are done.
      const r = await runAndStop(args, signal, () => existsSync(out) && readdirSync(out).some((f) => f.endsWith('.txt')));
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trim().split('\n')).toEqual([`fraudops generate: interrupted by ${signal}; nothing was left half-written`]);
      expect(r.stderr).not.toMatch(/INTERNAL|\n\s+at /);
    });
  }
});
