/** `fraudops features`: thin shell over feature building. */
import { STORE_SCHEMES } from '../../config/schemes.js';
import { checkEngineUri } from '../../engine/openEngine.js';
import type { Command } from '../command.js';
import { historyDays } from '../../features/spec.js';

export const featuresCommand: Command = {
  name: 'features',
  summary: 'compute the feature spec over the lake for a date range and write feature Parquet',
  usage: 'fraudops features --lake <uri> --from YYYY-MM-DD --to YYYY-MM-DD --out <uri> [--json]',
  description: `History before --from (up to ${historyDays()} days for the default spec) is read from the lake so windows are complete.`,
  examples: ['fraudops features --lake ./lake --from 2019-09-01 --to 2019-09-07 --out ./features', 'fraudops features --lake s3://lake/v1 --from 2019-09-01 --to 2019-09-30 --out s3://features/v1 --json'],
  flags: {
    lake: { type: 'uri', description: 'lake root', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    from: { type: 'date', description: 'first day', required: true, placeholder: 'YYYY-MM-DD' },
    to: { type: 'date', description: 'last day', required: true, placeholder: 'YYYY-MM-DD' },
    out: { type: 'uri', description: 'output root for feature Parquet (day partitions)', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    'memory-limit': { type: 'size', description: 'engine memory cap', default: '4GB', env: 'FRAUDOPS_MEMORY_LIMIT' },
    engine: { type: 'string', description: 'SQL engine URI (duckdb: embedded; sc://host:port[/;token=...] Spark Connect)', default: 'duckdb:', env: 'FRAUDOPS_ENGINE', configKey: 'engine', placeholder: '<uri>', check: checkEngineUri },
    'work-dir': { type: 'string', description: 'scratch directory', env: 'FRAUDOPS_WORK_DIR', placeholder: '<dir>' },
  },
  async run(flags, io) {
    const { buildFeatures } = await import('../../features/buildFeatures.js');
    const r = await buildFeatures({
      lake: String(flags.lake),
      from: String(flags.from),
      to: String(flags.to),
      out: String(flags.out),
      memoryLimit: String(flags['memory-limit']),
      workDir: flags['work-dir'] as string | undefined,
      engine: String(flags.engine),
      signal: io.signal,
    }, io.ctx);
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else io.out(`${r.rows.toLocaleString('en-US')} feature rows for ${r.days[0]}..${r.days[r.days.length - 1]} → ${r.out} (${r.files.length} files, ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} rows/s)`);
    return 0;
  },
};
