/**
 * Refuses config-file keys that no option reads: a mistyped key (`lakee`, `train.trails`) would otherwise be
 * ignored without a word and the run would quietly use a default. The known keys come from the option specs
 * of every command, so the list cannot drift from what is read.
 */
import { ConfigError } from '../errors.js';
import type { FlagSpec } from './flags.js';

export function checkConfigKeys(config: Record<string, unknown>, path: string | undefined, specs: Iterable<FlagSpec>): void {
  const known = new Set<string>();
  for (const spec of specs) if (spec.configKey) known.add(spec.configKey);
  const sections = new Set([...known].flatMap((k) => k.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (known.has(key)) continue;
      if (sections.has(key) && v !== null && typeof v === 'object' && !Array.isArray(v)) {
        walk(v as Record<string, unknown>, key);
        continue;
      }
      const near = [...known].filter((c) => c.split('.').pop()!.toLowerCase() === k.toLowerCase() || c.startsWith(`${key}.`) || editDistance(c, key) <= 2);
      throw new ConfigError(
        `config file ${path ?? ''}: unknown key "${key}"${near.length ? ` (did you mean ${near.map((n) => `"${n}"`).join(' or ')}?)` : ''}; known keys: ${[...known].sort().join(', ')}`.replace('file :', 'file:'),
        { context: { file: path, field: key } },
      );
    }
  };
  walk(config, '');
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length][b.length];
}
