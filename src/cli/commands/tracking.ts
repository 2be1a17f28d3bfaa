/** `fraudops tracking migrate <dir>`: carries a fraudops 0.1 embedded store into MLflow's SQLite format, in place. */
import type { Command } from '../command.js';

export const trackingMigrateCommand: Command = {
  name: 'tracking migrate',
  summary: 'tracking store upkeep: migrate a fraudops 0.1 embedded store to MLflow\'s SQLite format',
  usage: 'fraudops tracking migrate <dir> [--json]',
  description: [
    'fraudops 0.1 kept the embedded store as JSON files, which MLflow cannot read. `migrate` writes <dir>/mlflow.db',
    'in MLflow\'s schema with every experiment, run, param, tag, metric point, version and alias, keeping their ids;',
    'artifacts stay where they are and the JSON files are left untouched. Runs once per directory.',
  ].join('\n'),
  examples: ['fraudops tracking migrate ./mlruns-fraudops', 'fraudops tracking migrate ./fraudops-demo/mlruns --json'],
  positionals: [{ name: 'dir', description: 'the 0.1 store directory', required: true }],
  flags: {},
  async run(_flags, io, args) {
    const { resolve } = await import('node:path');
    const { migrateLegacyStore } = await import('../../tracking/embedded/migrateLegacyStore.js');
    const r = await migrateLegacyStore(resolve(String(args[0])));
    if (io.json) io.out(JSON.stringify(r, null, 2));
    else {
      io.out(`${r.dir}: migrated ${r.experiments} experiments, ${r.runs} runs (${r.metricPoints} metric points), ${r.registeredModels} registered models, ${r.versions} versions, ${r.aliases} aliases`);
      io.out(`  into ${r.database}; open it with \`mlflow ui --backend-store-uri sqlite:///${r.database}\``);
    }
    return 0;
  },
};
