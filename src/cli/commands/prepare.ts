/** `fraudops prepare`: thin shell over the preparation stage. */
import { STORE_SCHEMES } from '../../config/schemes.js';
import { checkEngineUri } from '../../engine/openEngine.js';
import type { Command } from '../command.js';

export const prepareCommand: Command = {
  name: 'prepare',
  summary: 'clean new raw transaction files into the Parquet lake, with an exact account of every row',
  usage: 'fraudops prepare --raw <dir|s3://bucket/prefix> --lake <dir|s3://bucket/prefix> [--engine duckdb:] [--json]',
  description: [
    'Processes only raw files (*.txt, *.txt.gz, *.csv) not yet in the lake (--raw may also name one file); a file that changed after it was',
    'processed is reported and left alone. Every input row ends up kept (maybe fixed), a duplicate, or',
    'quarantined with a reason (lake: quarantine/*.jsonl). Exit code 1 when a file could not be read or changed.',
    'S3 settings come from AWS_* variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_PROFILE, ...).',
  ].join('\n'),
  examples: [
    'fraudops prepare --raw ./raw --lake ./lake',
    'fraudops prepare --raw s3://fraud-raw/daily --lake s3://fraud-lake/v1 --json',
    'FRAUDOPS_LAKE=./lake fraudops prepare --raw ./raw --memory-limit 4GB',
  ],
  flags: {
    raw: { type: 'uri', description: 'raw files root', env: 'FRAUDOPS_RAW', configKey: 'raw', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    lake: { type: 'uri', description: 'lake root', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
    engine: { type: 'string', description: 'SQL engine URI (duckdb: embedded; sc://host:port[/;token=...] Spark Connect)', default: 'duckdb:', env: 'FRAUDOPS_ENGINE', configKey: 'engine', placeholder: '<uri>', check: checkEngineUri },
    'memory-limit': { type: 'size', description: 'engine memory cap (peak RSS stays near it: it spills beyond)', default: '1GB', env: 'FRAUDOPS_MEMORY_LIMIT', configKey: 'prepare.memoryLimit' },
    threads: { type: 'integer', description: 'engine threads (default: all cores)', env: 'FRAUDOPS_THREADS', configKey: 'threads', min: 1, max: 1024 },
    'work-dir': { type: 'string', description: 'scratch directory (default: OS temp dir)', env: 'FRAUDOPS_WORK_DIR', configKey: 'workDir', placeholder: '<dir>' },
    'max-reject-ratio': {
      type: 'number',
      description: 'largest share (0..1) of a file\'s rows that may be quarantined; above it the file is an error and nothing of it is committed',
      default: 0.5,
      min: 0,
      max: 1,
      env: 'FRAUDOPS_MAX_REJECT_RATIO',
      configKey: 'prepare.maxRejectRatio',
    },
  },
  async run(flags, io) {
    // Stage modules load on use, so `--help` and light commands never pay for the engine's native library.
    const { prepare } = await import('../../prepare/prepare.js');
    const { formatReport } = await import('../../prepare/report.js');
    const report = await prepare({
      raw: String(flags.raw),
      lake: String(flags.lake),
      engine: String(flags.engine),
      memoryLimit: String(flags['memory-limit']),
      threads: typeof flags.threads === 'number' ? flags.threads : undefined,
      workDir: typeof flags['work-dir'] === 'string' ? flags['work-dir'] : undefined,
      maxRejectRatio: typeof flags['max-reject-ratio'] === 'number' ? flags['max-reject-ratio'] : undefined,
      signal: io.signal,
      onProgress: (p) =>
        io.progress(
          `prepare [${p.fileIndex + 1}/${p.fileCount}] ${p.file}: ${(p.bytesRead / 1e6).toFixed(0)}/${(p.bytesTotal / 1e6).toFixed(0)} MB, ${p.rows.toLocaleString('en-US')} rows`,
        ),
    }, io.ctx);
    if (io.json) io.out(JSON.stringify(report, null, 2));
    else io.out(formatReport(report));
    return report.ok ? 0 : 1;
  },
};
