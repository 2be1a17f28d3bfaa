/** `fraudops migrate-lake`: make an existing lake readable as a Delta table by any engine. */
import { STORE_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';

export const migrateLakeCommand: Command = {
  name: 'migrate-lake',
  summary: 'write the Delta Lake log (_delta_log/) of an existing lake, so Spark, delta-rs and Trino read it',
  description:
    'Writes one Delta commit per lake commit that has none yet (create-only, idempotent: rerunning writes nothing). ' +
    'Parts, quarantine and the fraudops commit log are not touched. Readers then open the lake root as a Delta table, ' +
    'partitioned by day, and see only committed parts.',
  usage: 'fraudops migrate-lake --lake <uri> [--json]',
  examples: ['fraudops migrate-lake --lake ./lake', 'fraudops migrate-lake --lake s3://my-lake/v1 --json'],
  flags: {
    lake: { type: 'uri', description: 'lake root (local path or s3://bucket/prefix)', env: 'FRAUDOPS_LAKE', configKey: 'lake', required: true, placeholder: '<uri>', schemes: STORE_SCHEMES },
  },
  async run(flags, io) {
    const { migrateLakeToDelta } = await import('../../lake/delta/migrateLake.js');
    const r = await migrateLakeToDelta({ lake: String(flags.lake), signal: io.signal });
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else if (r.written.length === 0) io.out(`${r.lake}: Delta log up to date (version ${r.latest}, ${r.commits} commits)`);
    else io.out(`${r.lake}: wrote Delta versions ${r.written[0]}..${r.written[r.written.length - 1]} (${r.commits} commits); read it as a Delta table at the lake root`);
    return 0;
  },
};
