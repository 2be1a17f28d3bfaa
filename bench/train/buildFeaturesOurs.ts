/**
 * Child process of the train bench for feature building: runs `buildFeatures` from the built code in `dist/` over
 * a lake's whole date range and prints its result (rows, duration) as one JSON line on stdout. Used until the CLI
 * has a `features` command; the harness times the whole child as well.
 *
 *   node --import tsx bench/train/buildFeaturesOurs.ts --lake DIR --out DIR --from YYYY-MM-DD --to YYYY-MM-DD
 *        [--memory-limit 4GB] [--work-dir DIR]
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as BuildFeaturesModule from '../../src/features/buildFeatures.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const { values } = parseArgs({
  options: {
    lake: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    'memory-limit': { type: 'string', default: '4GB' },
    'work-dir': { type: 'string' },
  },
});

async function main(): Promise<void> {
  const { buildFeatures } = (await import(pathToFileURL(join(ROOT, 'dist', 'features', 'buildFeatures.js')).href)) as typeof BuildFeaturesModule;
  if (!values.lake || !values.out || !values.from || !values.to) throw new Error('--lake, --out, --from and --to are required');
  const started = process.hrtime.bigint();
  const r = await buildFeatures({
    lake: values.lake,
    out: values.out,
    from: values.from,
    to: values.to,
    memoryLimit: values['memory-limit'],
    workDir: values['work-dir'],
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ rows: r.rows, days: r.days.length, files: r.files.length, seconds, rowsPerSecond: r.rows / seconds }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`buildFeaturesOurs: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
