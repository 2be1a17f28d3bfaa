/**
 * Strict parsing of one option value from text (a flag or an environment variable) or from a config-file JSON
 * value, by the option's type. Every refusal is a ConfigError whose message starts with where the value came
 * from (`flag --days`, `environment variable FRAUDOPS_DAYS`, `config file f.json key train.days`), so the user
 * knows exactly what to fix; the CLI exits 2 on it before any work starts.
 */
import { ConfigError } from '../errors.js';
import { isCalendarDate } from '../util/dates.js';
import type { FlagSpec } from './flags.js';

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SIZE = /^(\d+(\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;
const DURATION = /^(\d+)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Bytes in a size the `size` option type accepts (512MB, 4GB, 1.5GiB: decimal or binary units), or undefined. */
export function sizeBytes(size: string): number | undefined {
  const m = SIZE.exec(size.trim());
  if (!m) return undefined;
  const unit = m[3].toUpperCase();
  const power = ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(unit.replace('IB', 'B'));
  return Number(m[1]) * (unit.includes('I') ? 1024 : 1000) ** power;
}

/**
 * `label` names the option inside messages (`--days` on the command line); with null the origin alone names it
 * (a pipeline task's `option days`).
 */
export function parseValue(name: string, spec: FlagSpec, raw: unknown, origin: string, label: string | null = `--${name}`): string | number | boolean {
  const value = parseTyped(name, spec, raw, origin, label);
  if (spec.check && typeof value === 'string') {
    try {
      spec.check(value);
    } catch (e) {
      throw new ConfigError(`${origin}: ${(e as Error).message}`, { context: { field: name, source: origin } });
    }
  }
  return value;
}

function parseTyped(name: string, spec: FlagSpec, raw: unknown, origin: string, label: string | null): string | number | boolean {
  const bad = (expected: string): never => {
    throw new ConfigError(`${origin}: expected ${expected}${label ? ` for ${label}` : ''}, got ${JSON.stringify(raw)}`, { context: { field: name, source: origin } });
  };
  const subject = label ? `${label} ` : '';
  switch (spec.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      if (typeof raw !== 'string') return bad('true/false');
      const s = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
      return bad('true/false');
    }
    case 'integer':
    case 'number': {
      let n: number;
      if (typeof raw === 'number') n = raw;
      else if (typeof raw === 'string' && (spec.type === 'integer' ? INTEGER : DECIMAL).test(raw.trim())) n = Number(raw.trim());
      else return bad(spec.type === 'integer' ? 'an integer' : 'a number');
      if (!Number.isFinite(n)) return bad('a finite number');
      if (spec.type === 'integer' && !Number.isSafeInteger(n)) return bad('an integer');
      checkRange(name, spec, n, origin, label);
      return n;
    }
    case 'date': {
      if (typeof raw !== 'string' || !isCalendarDate(raw.trim())) return bad('a calendar date YYYY-MM-DD');
      return (raw as string).trim();
    }
    case 'size': {
      if (typeof raw !== 'string' || !SIZE.test(raw.trim())) return bad('a size such as 512MB or 4GB');
      return (raw as string).trim();
    }
    case 'duration': {
      const m = typeof raw === 'number' ? DURATION.exec(String(raw)) : typeof raw === 'string' ? DURATION.exec(raw.trim()) : null;
      if (!m) return bad('a duration such as 250ms, 60s, 5m or 1h');
      const ms = Number(m[1]) * UNIT_MS[(m[2] ?? spec.durationUnit ?? 'ms') as keyof typeof UNIT_MS];
      if (!Number.isSafeInteger(ms)) return bad('a duration such as 250ms, 60s, 5m or 1h');
      checkRange(name, spec, ms, origin, label);
      return ms;
    }
    case 'uri': {
      if (typeof raw !== 'string' || raw.trim() === '') return bad(`a URI (${(spec.schemes ?? ['file']).join(', ')})`);
      const s = raw.trim();
      if (spec.schemes) {
        const m = /^([a-z][a-z0-9+.-]*):/i.exec(s);
        // One letter before ':' is a Windows drive, not a scheme; no scheme means a local path.
        const scheme = m && m[1].length > 1 ? m[1].toLowerCase() : 'file';
        if (!spec.schemes.includes(scheme)) {
          throw new ConfigError(`${origin}: ${subject}must be ${spec.schemes.map((x) => (x === 'file' ? 'a path or file://' : `${x}://`)).join(', ')}; got "${s}"`, {
            context: { field: name, source: origin },
          });
        }
      }
      return s;
    }
    case 'string': {
      if (typeof raw !== 'string') return bad('a string');
      if (spec.allowEmpty !== true && raw.trim() === '') return bad('a non-empty value');
      if (spec.choices && !spec.choices.includes(raw)) {
        throw new ConfigError(`${origin}: ${subject}must be one of ${spec.choices.join(', ')}, got "${raw}"`, { context: { field: name, source: origin } });
      }
      return raw;
    }
  }
}

function checkRange(name: string, spec: FlagSpec, n: number, origin: string, label: string | null): void {
  const parts: string[] = [];
  if (spec.min !== undefined) parts.push(`≥ ${spec.min}`);
  if (spec.above !== undefined) parts.push(`> ${spec.above}`);
  if (spec.max !== undefined) parts.push(`≤ ${spec.max}`);
  if (spec.below !== undefined) parts.push(`< ${spec.below}`);
  const ok =
    (spec.min === undefined || n >= spec.min) &&
    (spec.above === undefined || n > spec.above) &&
    (spec.max === undefined || n <= spec.max) &&
    (spec.below === undefined || n < spec.below);
  if (!ok) throw new ConfigError(`${origin}: ${label ? `${label} ` : ''}must be ${parts.join(' and ')}, got ${n}`, { context: { field: name, source: origin } });
}
