/**
 * Resolves a command's flags with one precedence everywhere: command-line flag, then environment variable,
 * then the config file, then the flag's default. Every value is validated against its spec, and a bad value
 * names where it came from (flag, variable or file key), so the user knows what to fix.
 */
import { ConfigError } from '../errors.js';
import type { FlagSpec, FlagValues } from './flags.js';
import { parseValue } from './parseValue.js';

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
    out[name] = parseValue(name, spec, raw, origin);
  }
  return out;
}
