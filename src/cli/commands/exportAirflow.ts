/** `fraudops export airflow`: the pipeline DAG as an Airflow DAG file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { settingsFlags, settingsFrom } from './pipelineFlags.js';

export const exportAirflowCommand: Command = {
  name: 'export airflow',
  summary: 'write the pipeline as an Airflow DAG file: one task per stage calling this CLI with the logical date',
  usage: "fraudops export airflow [--dag daily] --out <dir> [--cli <command>] [--schedule '0 3 * * *'] [settings flags]",
  description:
    'Writes <out>/fraudops_<dag>.py. Each task is a BashOperator running `<cli> pipeline task <task> --date {{ ds }}`; outputs pass as XComs; ' +
    'the branch skips what follows when there is no new data; teardown runs whatever happened. With --cluster yandex-dataproc://…, ' +
    'the Yandex provider’s DataprocCreateClusterOperator and DataprocDeleteClusterOperator are the setup and teardown tasks.',
  examples: [
    'fraudops export airflow --dag daily --out dags/ --raw s3://raw/daily --lake s3://lake/v1',
    "fraudops export airflow --out dags/ --cli 'node /opt/fraudops/dist/cli/bin.js' --cluster 'yandex-dataproc://b1g…?zone=ru-central1-a&subnet=e9b…&serviceAccount=aje…' --raw s3://raw --lake s3://lake",
  ],
  flags: {
    out: { type: 'string', description: 'directory for the DAG file (Airflow’s dags folder)', required: true, placeholder: '<dir>' },
    cli: { type: 'string', description: 'how Airflow workers run fraudops', default: 'fraudops', placeholder: '<command>' },
    schedule: { type: 'string', description: 'Airflow schedule (cron)', default: '0 3 * * *', placeholder: "'0 3 * * *'" },
    'start-date': { type: 'date', description: 'the DAG’s start_date', default: '2026-01-01', placeholder: 'YYYY-MM-DD' },
    ...settingsFlags,
  },
  async run(flags, io) {
    const { loadDag } = await import('../../pipeline/dag.js');
    const { dagDefinition } = await import('../../pipeline/daily.js');
    const { PIPELINE_STAGES } = await import('../../pipeline/stages.js');
    const { airflowDagFile } = await import('../../pipeline/export/airflowDag.js');
    const settings = settingsFrom(flags);
    const dag = loadDag(dagDefinition(String(flags.dag), settings), PIPELINE_STAGES);
    const out = resolve(String(flags.out));
    mkdirSync(out, { recursive: true });
    const file = join(out, `fraudops_${dag.name}.py`);
    writeFileSync(file, airflowDagFile(dag, { cli: String(flags.cli), schedule: String(flags.schedule), startDate: String(flags['start-date']), settings }));
    if (io.json) io.out(JSON.stringify({ file, dagId: `fraudops_${dag.name}`, tasks: dag.tasks.map((t) => t.name), specHash: dag.specHash }));
    else io.out(`wrote ${file} (Airflow DAG fraudops_${dag.name}, ${dag.tasks.length} tasks)`);
    return 0;
  },
};
