import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, EXIT_OK, EXIT_USAGE, EXIT_FAILURE } from './main.js';
import { commands } from './commands/index.js';
import { courseFile } from '../prepare/testkit.js';

let out: string[];
let err: string[];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
});
afterEach(() => vi.restoreAllMocks());

describe('cli > help', () => {
  it('lists every command', async () => {
    expect(await main(['--help'], {})).toBe(EXIT_OK);
    for (const c of commands) expect(out.join('')).toContain(c.name);
  });

  it('gives every command --help with flags and examples', async () => {
    for (const c of commands) {
      out = [];
      expect(await main([c.name, '--help'], {})).toBe(EXIT_OK);
      const text = out.join('');
      expect(text).toContain('Examples:');
      expect(text).toContain('--json');
      for (const flag of Object.keys(c.flags)) expect(text).toContain(`--${flag}`);
      expect(c.examples.length).toBeGreaterThan(0);
    }
  });
});

describe('cli > errors', () => {
  it('rejects an unknown command and an unknown flag with a usage exit code', async () => {
    expect(await main(['frobnicate'], {})).toBe(EXIT_USAGE);
    expect(err.join('')).toContain('error[CONFIG_INVALID]');
    expect(await main(['prepare', '--bogus', 'x'], {})).toBe(EXIT_USAGE);
  });

  it('prints one JSON error document with --json', async () => {
    expect(await main(['prepare', '--json'], {})).toBe(EXIT_USAGE);
    const doc = JSON.parse(out.join(''));
    expect(doc).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
  });
});

describe('cli > prepare', () => {
  it('takes the lake from the environment and prints the report as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-'));
    try {
      mkdirSync(join(dir, 'raw'));
      writeFileSync(join(dir, 'raw', '2019-08-22.txt'), courseFile([{ id: 0 }, { id: 1 }]));
      const code = await main(['prepare', '--raw', join(dir, 'raw'), '--json'], { FRAUDOPS_LAKE: join(dir, 'lake'), FRAUDOPS_WORK_DIR: dir });
      expect(code).toBe(EXIT_OK);
      const report = JSON.parse(out.join(''));
      expect(report).toMatchObject({ ok: true, files: 1, rowsIn: 2, kept: 2 });
      writeFileSync(join(dir, 'raw', '2019-08-23.txt'), '');
      out = [];
      expect(await main(['prepare', '--raw', join(dir, 'raw'), '--lake', join(dir, 'lake')], {})).toBe(EXIT_FAILURE);
      expect(out.join('')).toContain('INPUT_EMPTY');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cli > demo directory', () => {
  it('refuses `demo --dir` on a folder whose raw/ it did not make (exit 2) and touches nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fraudops-demo-dir-'));
    try {
      mkdirSync(join(dir, 'raw'));
      writeFileSync(join(dir, 'raw', 'mine.txt'), 'precious');
      expect(await main(['demo', '--dir', dir], {})).toBe(EXIT_USAGE);
      expect(err.join('')).toMatch(/^error\[CONFIG_INVALID\]: --dir .* holds raw/);
      expect(readdirSync(dir)).toEqual(['raw']);
      expect(readdirSync(join(dir, 'raw'))).toEqual(['mine.txt']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
