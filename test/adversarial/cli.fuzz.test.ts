/**
 * The CLI fuzz test: random flags, values, environment variables and config files for every command. Each case
 * holds at least one thing the option schema must refuse (a malformed value from a flag, an environment variable
 * or a config-file key; a config value of the wrong JSON type; an unknown flag or key; a stray argument; a broken
 * config file), mixed with valid options and noise. Every case must exit 2 with one `error[CODE]` line naming the
 * problem, never `error[INTERNAL]` and never a stack trace, must print a JSON error document with --json, and must
 * create no file. The cases are drawn from a fixed seed, so a failure names a case that can be replayed.
 *
 * A second part runs the read-only commands with options that parse but point at hostile places (a tracking URI
 * that is a regular file, a directory that does not exist, a database nobody listens on): a clear error or an
 * empty answer, never INTERNAL or a stack trace, and nothing created.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { commands } from '../../src/cli/commands/index.js';
import type { Command, FlagSpec } from '../../src/cli/command.js';
import { EXIT_USAGE, main } from '../../src/cli/main.js';
import { mulberry32 } from '../../src/util/prng.js';

const SEED = 20261201;
const CASES_PER_COMMAND = 40;

let root: string;
let out: string[];
let err: string[];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fraudops-fuzz-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
});
afterEach(() => vi.restoreAllMocks());

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** Values no option of this spec may accept. Empty when the type has none (free text that allows anything). */
function badValues(spec: FlagSpec): string[] {
  /** Those of `xs` the spec's own check refuses. */
  const checked = (xs: string[]) =>
    xs.filter((x) => {
      try {
        spec.check?.(x);
        return false;
      } catch {
        return true;
      }
    });
  switch (spec.type) {
    case 'integer':
      return ['1.5', '0x2', '1e3', '', 'abc', ' ', 'NaN', 'Infinity', '99999999999999999999', '1_000', '٣', '+-1', ...(spec.min !== undefined ? [String(spec.min - 1)] : []), ...(spec.max !== undefined ? [String(spec.max + 1)] : [])];
    case 'number':
      return ['0x2', 'NaN', 'abc', '', 'Infinity', '1,5', '--1', ...(spec.min !== undefined ? [String(spec.min - 1)] : []), ...(spec.above !== undefined ? [String(spec.above)] : []), ...(spec.below !== undefined ? [String(spec.below)] : []), ...(spec.max !== undefined ? [String(spec.max * 10 + 1)] : [])];
    case 'date':
      return ['2018-04-31', '2019-02-29', 'yesterday', '2019-13-01', '20190822', '', '2019-8-2', '2019-08-22T00:00:00Z', '0000-00-00'];
    case 'uri':
      return ['', ' ', ...['ftp://host/x', 'gopher://x', 'javascript:alert(1)', 'mailto:a@b'].filter((u) => !spec.schemes?.includes(u.split(':')[0]))];
    case 'size':
      return ['lots', '', '-1GB', '1 XB', 'GB', '1e3GB'];
    case 'duration':
      return ['soon', '-1s', '1.5s', '1d', '', 's', '0x10ms'];
    case 'boolean':
      return [];
    case 'string': {
      const bad: string[] = [];
      if (spec.allowEmpty !== true) bad.push('', '   ');
      if (spec.choices) bad.push('nonesuch', spec.choices[0].toUpperCase() === spec.choices[0] ? 'x' : spec.choices[0].toUpperCase());
      if (spec.check) bad.push(...checked(['x y', '::', '\u0000', 'a'.repeat(300), '-1', '../../etc/passwd', '127.0.0.1:0', '0 3 * *', '2018-04-31']));
      return bad;
    }
  }
}

/** A value the spec accepts, for the valid options mixed into a case. */
function goodValue(name: string, spec: FlagSpec, dir: string): string {
  switch (spec.type) {
    case 'date':
      return '2019-08-22';
    case 'integer':
    case 'number':
      return String(Math.max(spec.min ?? 1, spec.above !== undefined ? spec.above + 1 : 1, 1));
    case 'duration':
      return '1s';
    case 'size':
      return '1GB';
    case 'boolean':
      return 'true';
    case 'uri':
      return spec.schemes && !spec.schemes.includes('file') ? `${spec.schemes[0]}://127.0.0.1:1/x` : join(dir, name);
    default: {
      if (spec.choices) return spec.choices[0];
      const candidates = [join(dir, name), '127.0.0.1:1', '0 3 * * *', 'none', 'x'];
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

/** A JSON value of the wrong type for a typed config key. */
function badConfigValue(r: Rand, spec: FlagSpec): unknown {
  const wrong: unknown[] = [null, [], [1], { a: 1 }];
  if (spec.type !== 'boolean') wrong.push(true);
  if (spec.type === 'integer') wrong.push(1.5, 'x', 1e300);
  if (spec.type === 'number' || spec.type === 'integer') wrong.push('NaN', '');
  if (spec.type === 'boolean') wrong.push('maybe', 2);
  if (spec.type === 'string' || spec.type === 'uri' || spec.type === 'date' || spec.type === 'size' || spec.type === 'duration') wrong.push(42);
  const values = badValues(spec);
  if (values.length > 0) wrong.push(pick(r, values));
  return pick(r, wrong);
}

function setDotted(config: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = config;
  for (const p of parts.slice(0, -1)) node = (node[p] = typeof node[p] === 'object' && node[p] !== null ? node[p] : {}) as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}

interface Case {
  argv: string[];
  env: Record<string, string>;
  config?: string;
  /** What the case breaks, for the failure message. */
  fault: string;
}

/** One random case for `command` in `dir`, holding at least one fault the schema must refuse. */
function makeCase(r: Rand, command: Command, dir: string): Case {
  const flags = Object.entries(command.flags);
  const argv: string[] = [...command.name.split(' ')];
  const env: Record<string, string> = {};
  const config: Record<string, unknown> = {};
  let configText: string | undefined;
  // Required positionals and flags, mostly present (a missing required flag is a fault of its own).
  for (const p of command.positionals ?? []) if (p.required) argv.push(pick(r, ['x', '1', 'pipeline:daily:2026-12-01', join(dir, 'pos')]));
  for (const [name, spec] of flags) if (spec.required && r() < 0.9) argv.push(`--${name}`, goodValue(name, spec, dir));
  // Valid options as noise.
  for (let i = 0; i < Math.floor(r() * 3); i++) {
    if (flags.length === 0) break;
    const [name, spec] = pick(r, flags);
    if (spec.type === 'boolean') argv.push(`--${name}`);
    else argv.push(`--${name}`, goodValue(name, spec, dir));
  }
  if (r() < 0.3) argv.push('--json');
  // The fault: one of the kinds below, chosen among those this command can have.
  const typedFlags = flags.filter(([, s]) => badValues(s).length > 0);
  const kinds: Array<[string, () => void]> = [
    ['unknown flag', () => argv.push(pick(r, ['--nonesuch', '--lake-dir', '-z', '--JSON', '--train_start']), pick(r, ['1', 'x']))],
    ['unknown config key', () => setDotted(config, pick(r, ['lakee', 'train.trails', 'validate.alfa', 'pipeline.crons', 'stream.port', 'nonesuch.deep.key']), 1)],
    ['broken config file', () => (configText = pick(r, ['{', '[]', 'null', '"x"', '{"lake": }', '\u0000\u0001', '']))],
    ['boolean flag with a value', () => {
      const booleans = flags.filter(([, s]) => s.type === 'boolean');
      if (booleans.length > 0) argv.push(`--${pick(r, booleans)[0]}=maybe`);
      else argv.push('--json=yes');
    }],
  ];
  if (!command.positionals) kinds.push(['stray argument', () => argv.push(pick(r, ['extra', '2019-08-22', join(dir, 'stray')]))]);
  if (typedFlags.length > 0) {
    kinds.push(['bad flag value', () => {
      const [name, spec] = pick(r, typedFlags);
      argv.push(`--${name}`, pick(r, badValues(spec)));
    }]);
    const withEnv = typedFlags.filter(([, s]) => s.env);
    if (withEnv.length > 0) {
      kinds.push(['bad environment value', () => {
        const [name, spec] = pick(r, withEnv);
        // A flag given on the command line wins over the environment: drop it so the variable is read.
        for (let i = argv.indexOf(`--${name}`); i >= 0; i = argv.indexOf(`--${name}`)) argv.splice(i, 2);
        // An empty variable counts as unset, so only non-empty bad values are faults from the environment.
        env[spec.env!] = pick(r, badValues(spec).filter((v) => v !== ''));
      }]);
    }
    const withKey = flags.filter(([, s]) => s.configKey);
    if (withKey.length > 0) {
      kinds.push(['bad config value', () => {
        const [name, spec] = pick(r, withKey);
        for (let i = argv.indexOf(`--${name}`); i >= 0; i = argv.indexOf(`--${name}`)) argv.splice(i, 2);
        if (spec.env) delete env[spec.env];
        setDotted(config, spec.configKey!, badConfigValue(r, spec));
      }]);
    }
  }
  const [fault, apply] = pick(r, kinds);
  apply();
  let configPath: string | undefined;
  if (configText !== undefined || Object.keys(config).length > 0) {
    configPath = join(dir, 'fraudops.json');
    writeFileSync(configPath, configText ?? JSON.stringify(config));
    argv.push('--config', configPath);
  }
  return { argv, env, config: configText ?? (Object.keys(config).length ? JSON.stringify(config) : undefined), fault };
}

/** Files under `dir`, recursively, except the case's own config file. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f !== 'fraudops.json').sort();
}

function checkOutput(label: string, json: boolean): void {
  const stderr = err.join('');
  expect(stderr, label).toMatch(/^error\[[A-Z][A-Z0-9_]*\]: \S/);
  expect(stderr, label).not.toContain('error[INTERNAL]');
  expect(stderr, label).not.toMatch(/\n\s+at \S/);
  expect(stderr.trimEnd().split('\n'), label).toHaveLength(1);
  if (json) {
    const doc = JSON.parse(out.join('')) as { ok: boolean; error: { code: string; message: string } };
    expect(doc.ok, label).toBe(false);
    expect(doc.error.code, label).not.toBe('INTERNAL');
  }
}

describe('adversarial > cli fuzz', () => {
  it(`refuses ${CASES_PER_COMMAND} random malformed invocations of every command with exit 2, one error line, no INTERNAL, no stack trace, no files`, async () => {
    const r = mulberry32(SEED);
    let cases = 0;
    const byFault = new Map<string, number>();
    for (const command of commands) {
      for (let i = 0; i < CASES_PER_COMMAND; i++) {
        const dir = join(root, `${command.name.replace(' ', '-')}-${i}`);
        mkdirSync(dir);
        const c = makeCase(r, command, dir);
        const label = `case ${cases} (${c.fault}): fraudops ${c.argv.join(' ')}${Object.keys(c.env).length ? ` with ${JSON.stringify(c.env)}` : ''}${c.config !== undefined ? ` config ${c.config}` : ''}`;
        out = [];
        err = [];
        const code = await main(c.argv, c.env);
        expect(code, label).toBe(EXIT_USAGE);
        checkOutput(label, c.argv.includes('--json'));
        expect(filesUnder(dir), label).toEqual([]);
        cases++;
        byFault.set(c.fault, (byFault.get(c.fault) ?? 0) + 1);
      }
    }
    // Every kind of fault was tried, on every command that can have it.
    expect(cases).toBe(commands.length * CASES_PER_COMMAND);
    for (const kind of ['unknown flag', 'unknown config key', 'broken config file', 'bad flag value', 'bad environment value', 'bad config value']) {
      expect(byFault.get(kind) ?? 0, kind).toBeGreaterThan(10);
    }
    vi.restoreAllMocks();
    process.stdout.write(`cli fuzz: ${cases} cases over ${commands.length} commands: ${[...byFault].map(([k, n]) => `${k} ${n}`).join(', ')}\n`);
  });

  it('answers read-only commands pointed at hostile places with a clear error or an empty answer, never INTERNAL, and creates nothing', async () => {
    const dir = join(root, 'hostile');
    mkdirSync(dir);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a store\n');
    const missing = join(dir, 'does', 'not', 'exist');
    const cases: string[][] = [
      ['champion', '--tracking', file],
      ['champion', '--tracking', missing],
      ['champion', '--tracking', missing, '--json'],
      ['models', 'list', '--tracking', file],
      ['models', 'list', '--tracking', missing],
      ['models', 'show', '7', '--tracking', missing],
      ['models', 'show', 'seven', '--tracking', missing],
      ['runs', 'list', '--db', 'postgresql://127.0.0.1:1/nobody'],
      ['runs', 'show', 'pipeline:daily:2026-12-01', '--db', 'postgresql://127.0.0.1:1/nobody'],
      ['tracking', 'migrate', missing],
      ['tracking', 'migrate', file],
    ];
    for (const argv of cases) {
      const before = filesUnder(dir);
      out = [];
      err = [];
      const code = await main(argv, {});
      const label = `fraudops ${argv.join(' ')}`;
      const stderr = err.join('');
      expect([0, 1, 2], `${label}: ${stderr}`).toContain(code);
      if (code !== 0) checkOutput(label, argv.includes('--json'));
      expect(stderr, label).not.toContain('INTERNAL');
      expect(filesUnder(dir), label).toEqual(before);
    }
  });
});
