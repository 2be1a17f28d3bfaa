/**
 * Resolves a command's flags with one precedence everywhere: command-line flag, then environment variable,
 * then the config file, then the flag's default. Every value is validated against its spec, and a bad value
 * names where it came from (flag, variable or file key), so the user knows what to fix.
 */
import { ConfigError } from '../errors.js';
import type { FlagSpec, FlagValues } from './flags.js';

export type ConfigFile = Record<string, unknown>;

export interface ResolveSources {
  argv: Record<string, string | boolean | undefined>;
  env: NodeJS.ProcessEnv;
  config: ConfigFile;
  configPath?: string;
}

function lookupDotted(config: ConfigFile, key: string): unknown {
  let cur: unknown = config;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function coerce(name: string, spec: FlagSpec, raw: unknown, origin: string): string | number | boolean {
  if (spec.type === 'boolean') {
    if (typeof raw === 'boolean') return raw;
    const s = String(raw).toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
    throw new ConfigError(`${origin}: expected true/false for --${name}, got "${String(raw)}"`, { context: { field: name } });
  }
  if (spec.type === 'number') {
    const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
    if (String(raw).trim() === '' || !Number.isFinite(n)) {
      throw new ConfigError(`${origin}: expected a number for --${name}, got "${String(raw)}"`, { context: { field: name } });
    }
    return n;
  }
  const s = String(raw);
  if (spec.choices && !spec.choices.includes(s)) {
    throw new ConfigError(`${origin}: --${name} must be one of ${spec.choices.join(', ')}, got "${s}"`, { context: { field: name } });
  }
  return s;
}

export function resolveFlags(flags: Record<string, FlagSpec>, sources: ResolveSources): FlagValues {
  const out: FlagValues = {};
  for (const [name, spec] of Object.entries(flags)) {
    let raw: unknown;
    let origin = '';
    if (sources.argv[name] !== undefined) {
      raw = sources.argv[name];
      origin = `flag --${name}`;
    } else if (spec.env && sources.env[spec.env] !== undefined && sources.env[spec.env] !== '') {
      raw = sources.env[spec.env];
      origin = `environment variable ${spec.env}`;
    } else if (spec.configKey && lookupDotted(sources.config, spec.configKey) !== undefined) {
      raw = lookupDotted(sources.config, spec.configKey);
      origin = `config file ${sources.configPath ?? ''} key ${spec.configKey}`.replace('  ', ' ');
    } else if (spec.default !== undefined) {
      raw = spec.default;
      origin = `default of --${name}`;
    }
    if (raw === undefined) {
      if (spec.required) {
        const alt = [spec.env ? `environment variable ${spec.env}` : '', spec.configKey ? `config key ${spec.configKey}` : '']
          .filter(Boolean)
          .join(' or ');
        throw new ConfigError(`missing required flag --${name}${alt ? ` (or ${alt})` : ''}`, { context: { field: name } });
      }
      continue;
    }
    out[name] = coerce(name, spec, raw, origin);
  }
  return out;
}
