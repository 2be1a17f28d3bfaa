import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveFlags } from './resolveFlags.js';
import { loadConfigFile } from './loadConfigFile.js';
import type { FlagSpec } from './flags.js';
import { isFraudopsError } from '../errors.js';

const flags: Record<string, FlagSpec> = {
  lake: { type: 'string', description: 'lake', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true },
  threads: { type: 'number', description: 'threads', env: 'FRAUDOPS_THREADS', configKey: 'prepare.threads', default: 2 },
  engine: { type: 'string', description: 'engine', choices: ['duckdb'], default: 'duckdb' },
  verbose: { type: 'boolean', description: 'verbose', env: 'FRAUDOPS_VERBOSE' },
};

describe('config > precedence', () => {
  it('takes the flag over the environment over the config file over the default', () => {
    const config = { lake: '/from-file', prepare: { threads: 8 } };
    expect(resolveFlags(flags, { argv: { lake: '/from-flag' }, env: { FRAUDOPS_LAKE: '/from-env' }, config })).toMatchObject({ lake: '/from-flag', threads: 8 });
    expect(resolveFlags(flags, { argv: {}, env: { FRAUDOPS_LAKE: '/from-env', FRAUDOPS_THREADS: '4' }, config })).toMatchObject({ lake: '/from-env', threads: 4 });
    expect(resolveFlags(flags, { argv: {}, env: {}, config })).toMatchObject({ lake: '/from-file', threads: 8, engine: 'duckdb' });
    expect(resolveFlags(flags, { argv: {}, env: {}, config: { lake: 'x' } })).toMatchObject({ threads: 2 });
  });

  it('ignores empty environment variables', () => {
    expect(resolveFlags(flags, { argv: {}, env: { FRAUDOPS_LAKE: '' }, config: { lake: '/file' } }).lake).toBe('/file');
  });
});

describe('config > validation', () => {
  const bad = (sources: Parameters<typeof resolveFlags>[1]) => {
    try {
      resolveFlags(flags, sources);
    } catch (e) {
      return e;
    }
    throw new Error('expected an error');
  };

  it('names the environment variable holding a bad number', () => {
    const e = bad({ argv: { lake: 'x' }, env: { FRAUDOPS_THREADS: 'many' }, config: {} });
    expect(isFraudopsError(e) && e.code).toBe('CONFIG_INVALID');
    expect((e as Error).message).toContain('FRAUDOPS_THREADS');
  });

  it('names the config key holding a bad value and lists the choices', () => {
    const e = bad({ argv: { lake: 'x', engine: 'spark' }, env: {}, config: {} });
    expect((e as Error).message).toContain('duckdb');
    const f = bad({ argv: { lake: 'x' }, env: {}, config: { prepare: { threads: 'lots' } }, configPath: '/etc/f.json' });
    expect((f as Error).message).toContain('prepare.threads');
  });

  it('reports a missing required flag with its alternatives', () => {
    const e = bad({ argv: {}, env: {}, config: {} });
    expect((e as Error).message).toContain('--lake');
    expect((e as Error).message).toContain('FRAUDOPS_LAKE');
  });

  it('parses booleans from the environment', () => {
    expect(resolveFlags(flags, { argv: { lake: 'x' }, env: { FRAUDOPS_VERBOSE: 'yes' }, config: {} }).verbose).toBe(true);
    expect(isFraudopsError(bad({ argv: { lake: 'x' }, env: { FRAUDOPS_VERBOSE: 'maybe' }, config: {} }))).toBe(true);
  });
});

describe('config > file', () => {
  it('reads ./fraudops.json when present, requires a named file, and rejects bad JSON with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    try {
      expect(loadConfigFile(undefined, {}, dir)).toEqual({ config: {} });
      writeFileSync(join(dir, 'fraudops.json'), '{"lake": "/l"}');
      expect(loadConfigFile(undefined, {}, dir).config).toEqual({ lake: '/l' });
      expect(() => loadConfigFile('missing.json', {}, dir)).toThrow(/not found/);
      writeFileSync(join(dir, 'bad.json'), '{lake');
      expect(() => loadConfigFile(undefined, { FRAUDOPS_CONFIG: 'bad.json' }, dir)).toThrow(/bad\.json/);
      writeFileSync(join(dir, 'arr.json'), '[]');
      expect(() => loadConfigFile('arr.json', {}, dir)).toThrow(/object/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
