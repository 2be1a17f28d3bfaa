/**
 * Every command's options are checked up front by their one schema, whatever the source: a bad value from a
 * flag, an environment variable or a config-file key exits 2 before any work, with a message naming the source.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlagSpec } from '../config/flags.js';
import { commands } from './commands/index.js';
import { EXIT_USAGE, main } from './main.js';

let out: string[];
let err: string[];
let dir: string;
beforeEach(() => {
  out = [];
  err = [];
  dir = mkdtempSync(join(tmpdir(), 'fraudops-options-'));
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** A value every strict type refuses. */
function badValue(spec: FlagSpec): string | undefined {
  switch (spec.type) {
    case 'integer':
      return '1.5';
    case 'number':
      return '0x2';
    case 'date':
      return '2018-04-31';
    case 'size':
      return 'lots';
    case 'uri':
      return 'ftp://example.com/x';
    case 'duration':
      return 'soon';
    default:
      return undefined;
  }
}

/** A value of the option's type that its checks accept, so only the bad value under test can fail. */
function goodValue(name: string, spec: FlagSpec): string {
  switch (spec.type) {
    case 'date':
      return '2019-08-22';
    case 'integer':
    case 'number':
      return '1';
    case 'duration':
      return '1s';
    case 'uri':
      return spec.schemes && !spec.schemes.includes('file') ? `${spec.schemes[0]}://127.0.0.1/x` : join(dir, name);
    default: {
      const candidates = [join(dir, name), '127.0.0.1:9092', '0 3 * * *', 'x'];
      return candidates.find((c) => {
        try {
          spec.check?.(c);
          return true;
        } catch {
          return false;
        }
      })!;
    }
  }
}

/** Required positionals and flags filled with plausible values, so only the bad one can fail. */
function requiredArgs(flags: Record<string, FlagSpec>, except: string, command?: { positionals?: { name: string; required?: boolean }[] }): string[] {
  const args: string[] = (command?.positionals ?? []).filter((p) => p.required).map((p) => p.name);
  for (const [name, spec] of Object.entries(flags)) {
    if (!spec.required || name === except) continue;
    args.push(`--${name}`, goodValue(name, spec));
  }
  return args;
}

const strict = commands.flatMap((c) =>
  Object.entries(c.flags)
    .filter(([, spec]) => badValue(spec) !== undefined)
    .map(([name, spec]) => ({ command: c, name, spec, bad: badValue(spec)! })),
);

describe('cli > options', () => {
  it('has strictly typed options in every command that takes numbers, dates, sizes or URIs', () => {
    const names = new Set(strict.map((s) => s.command.name));
    const typed = ['generate', 'prepare', 'features', 'train', 'validate', 'demo', 'champion', 'score', 'stream', 'replay', 'capacity'];
    const alsoTyped = ['pipeline run', 'pipeline task', 'scheduler start', 'runs list', 'runs cancel', 'export airflow', 'package', 'models list', 'promote', 'rollback'];
    for (const c of [...typed, ...alsoTyped]) expect(names, c).toContain(c);
  });

  it('refuses a bad value given as a flag with exit 2, naming the flag, and creates nothing', async () => {
    for (const { command, name, bad } of strict) {
      err = [];
      const code = await main([...command.name.split(' '), ...requiredArgs(command.flags, name, command), `--${name}`, bad, '--work-dir', dir].filter((a, i, all) => !(a === '--work-dir' && !command.flags['work-dir']) && !(all[i - 1] === '--work-dir' && !command.flags['work-dir'])), {});
      expect(code, `${command.name} --${name} ${bad}`).toBe(EXIT_USAGE);
      expect(err.join(''), `${command.name} --${name}`).toContain(`flag --${name}`);
      expect(err.join('')).not.toContain('INTERNAL');
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a bad value from an environment variable with exit 2, naming the variable', async () => {
    const withEnv = strict.filter((s) => s.spec.env);
    expect(withEnv.length).toBeGreaterThan(5);
    for (const { command, name, spec, bad } of withEnv) {
      err = [];
      const code = await main([...command.name.split(' '), ...requiredArgs(command.flags, name, command)], { [spec.env!]: bad });
      expect(code, `${command.name} ${spec.env}=${bad}`).toBe(EXIT_USAGE);
      expect(err.join(''), `${command.name} ${spec.env}`).toContain(`environment variable ${spec.env}`);
    }
  });

  it('refuses a bad value from a config-file key with exit 2, naming the file and key', async () => {
    const withKey = strict.filter((s) => s.spec.configKey);
    expect(withKey.length).toBeGreaterThan(5);
    for (const { command, name, spec, bad } of withKey) {
      err = [];
      const config: Record<string, unknown> = {};
      const parts = spec.configKey!.split('.');
      let node = config;
      for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
      node[parts[parts.length - 1]] = spec.type === 'integer' ? 1.5 : bad;
      const file = join(dir, 'fraudops.json');
      writeFileSync(file, JSON.stringify(config));
      const code = await main([...command.name.split(' '), ...requiredArgs(command.flags, name, command), '--config', file], {});
      expect(code, `${command.name} ${spec.configKey}`).toBe(EXIT_USAGE);
      expect(err.join(''), `${command.name} ${spec.configKey}`).toContain(`key ${spec.configKey}`);
      expect(err.join('')).toContain(file);
    }
  });

  it('documents every config-file key in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const keys = new Set(commands.flatMap((c) => Object.values(c.flags).flatMap((f) => (f.configKey ? [f.configKey] : []))));
    expect(keys.size).toBeGreaterThan(20);
    for (const key of keys) expect(readme, key).toContain(`\`${key}\``);
  });

  it('refuses an unknown config-file key with exit 2, naming it and the nearest known key', async () => {
    const file = join(dir, 'fraudops.json');
    writeFileSync(file, JSON.stringify({ train: { trails: 8 } }));
    expect(await main(['train', '--lake', join(dir, 'lake'), '--config', file], {})).toBe(EXIT_USAGE);
    expect(err.join('')).toContain('unknown key "train.trails"');
    expect(err.join('')).toContain('train.trials');
  });

  it('refuses impossible calendar dates and loose numbers that used to roll over or pass', async () => {
    // Each case: the arguments, then the flag the message must name.
    const cases: Array<[string[], string]> = [
      [['train', '--lake', dir, '--train-start', '2018-04-31'], '--train-start'],
      [['validate', '--candidate', 'x', '--lake', dir, '--test-end', '2018-02-29'], '--test-end'],
      [['features', '--lake', dir, '--from', '2018-04-31', '--to', '2018-05-02', '--out', dir], '--from'],
      [['generate', '--out', dir, '--days', '0x2'], '--days'],
      [['generate', '--out', dir, '--seed', '1.5'], '--seed'],
      [['prepare', '--raw', dir, '--lake', dir, '--threads', '0'], '--threads'],
      [['validate', '--candidate', 'x', '--lake', dir, '--alpha', '2'], '--alpha'],
      [['validate', '--candidate', 'x', '--lake', dir, '--min-effect=-1'], '--min-effect'],
      [['train', '--lake', dir, '--test-days', '0'], '--test-days'],
      [['train', '--lake', dir, '--tracking', 'ftp://host/x'], '--tracking'],
      [['train', '--lake', dir, '--registered-model', ''], '--registered-model'],
      [['prepare', '--raw', dir, '--lake', dir, '--memory-limit', 'lots'], '--memory-limit'],
      [['prepare', '--raw', dir, '--lake', dir, '--engine', 'spark'], '--engine'],
    ];
    for (const [args, flag] of cases) {
      err = [];
      expect(await main(args, {}), args.join(' ')).toBe(EXIT_USAGE);
      expect(err.join(''), args.join(' ')).toMatch(/^error\[CONFIG_INVALID\]: flag --/);
      expect(err.join(''), args.join(' ')).toContain(flag);
    }
  });
});
