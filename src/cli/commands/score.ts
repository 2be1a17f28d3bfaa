/** `fraudops score`: scores a raw day file through the stream scorer's path, without a broker. */
import { STORE_SCHEMES, TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';

export const scoreCommand: Command = {
  name: 'score',
  summary: 'score a raw day file with the champion through the streaming path (no broker), to JSON lines',
  usage: 'fraudops score --raw <file|uri> --out <file.jsonl> [--model champion] [--lake <uri>] [--json]',
  description:
    'Each line is checked by the same rules as prepare; invalid lines go to <out>.dead.jsonl with their reason and original bytes. ' +
    'Customer and terminal windows take their history from --lake (terminal windows lag by the label delay); without a lake they start empty.',
  examples: [
    'fraudops score --raw ./raw/2019-09-30.txt --out predictions.jsonl --lake ./lake',
    'fraudops score --raw s3://raw/daily/2019-09-30.txt --out p.jsonl --lake s3://lake/v1 --model 3 --json',
  ],
  flags: {
    raw: { type: 'uri', description: 'raw day file (path or URI)', required: true, placeholder: '<file|uri>', schemes: STORE_SCHEMES },
    out: { type: 'string', description: 'predictions, one JSON object a line', required: true, placeholder: '<file.jsonl>' },
    'dead-letters': { type: 'string', description: 'dead letters file (default <out>.dead.jsonl)', placeholder: '<file.jsonl>' },
    lake: { type: 'uri', description: 'lake with the history before the file', env: 'FRAUDOPS_LAKE', configKey: 'lake', placeholder: '<uri>', schemes: STORE_SCHEMES },
    model: { type: 'string', description: 'registry alias or version number', default: 'champion' },
    tracking: { type: 'uri', description: 'tracking URI', env: 'MLFLOW_TRACKING_URI', configKey: 'tracking', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
    'registered-model': { type: 'string', description: 'registered model name', default: 'fraudops-fraud', configKey: 'registeredModel' },
    'with-features': { type: 'boolean', description: 'write each transaction\'s features into its prediction' },
    'batch-size': { type: 'integer', description: 'lines per scoring batch', default: 5000, min: 1, max: 1_000_000 },
    'work-dir': { type: 'string', description: 'scratch directory', env: 'FRAUDOPS_WORK_DIR', configKey: 'workDir', placeholder: '<dir>' },
  },
  async run(flags, io) {
    const { scoreFile } = await import('../../scoring/scoreFile.js');
    const r = await scoreFile({
      raw: String(flags.raw),
      out: String(flags.out),
      deadLetters: flags['dead-letters'] as string | undefined,
      lake: flags.lake as string | undefined,
      tracking: flags.tracking as string | undefined,
      registeredModel: String(flags['registered-model']),
      model: String(flags.model),
      batchSize: Number(flags['batch-size']),
      withFeatures: flags['with-features'] === true,
      signal: io.signal,
    }, io.ctx);
    if (io.json) {
      io.out(JSON.stringify(r, null, 2));
      return 0;
    }
    io.out(`${r.raw}: ${r.scored.toLocaleString('en-US')} transactions scored by model version ${r.modelVersion} (spec ${r.featureSpecHash}), ${r.alerts} alerts`);
    io.out(`  throughput ${Math.round(r.transactionsPerSecond).toLocaleString('en-US')} tx/s (${r.seconds.toFixed(2)} s, one process, in-process source and sink)`);
    if (r.dead > 0) io.out(`  ${r.dead} dead letters → ${r.deadLetters}: ${Object.entries(r.deadByReason).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    if (!r.lake) io.out('  no lake given: customer and terminal windows started empty');
    io.out(`  predictions → ${r.out}`);
    return 0;
  },
};
