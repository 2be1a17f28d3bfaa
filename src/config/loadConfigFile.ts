/**
 * Reads the optional JSON config file: `--config <path>`, else `FRAUDOPS_CONFIG`, else `./fraudops.json` when it
 * exists. A file named explicitly must exist; a malformed file is an error naming the file and position.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { ConfigFile } from './resolveFlags.js';

export const DEFAULT_CONFIG_FILE = 'fraudops.json';

export function loadConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv, cwd = process.cwd()): { path?: string; config: ConfigFile } {
  const named = explicit ?? env.FRAUDOPS_CONFIG;
  const path = named ? resolve(cwd, named) : resolve(cwd, DEFAULT_CONFIG_FILE);
  if (!existsSync(path)) {
    if (named) throw new ConfigError(`config file not found: ${path}`, { context: { file: path } });
    return { config: {} };
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, { context: { file: path }, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(cause as Error).message}`, { context: { file: path }, cause });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`, { context: { file: path } });
  }
  return { path, config: parsed as ConfigFile };
}
