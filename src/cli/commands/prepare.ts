/** `fraudops prepare`: thin shell over the preparation stage. */
import type { Command } from '../command.js';
import { PREPARE_OPTIONS } from '../../prepare/options.js';

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
  flags: PREPARE_OPTIONS,
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
    }, io.ctx);
    if (io.json) io.out(JSON.stringify(report, null, 2));
    else io.out(formatReport(report));
    return report.ok ? 0 : 1;
  },
};
