/** `fraudops demo`: thin shell over the demo pipeline (src/demo/runDemo.ts). */
import { basename, join } from 'node:path';
import { TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the pipeline on a small generated dataset, locally, with no servers',
  usage: 'fraudops demo [--dir <dir>] [--days N] [--customers N] [--terminals N] [--seed S] [--json]',
  description: 'Starts from scratch in --dir each time (raw/, lake/ and the embedded tracking store mlruns/ inside it are replaced).',
  examples: ['fraudops demo', 'fraudops demo --dir /tmp/fraudops-demo --days 30 --customers 5000 --terminals 10000 --json'],
  flags: {
    dir: { type: 'string', description: 'working directory for raw files and the lake', default: 'fraudops-demo', placeholder: '<dir>' },
    days: { type: 'integer', description: 'days of transactions (at least 35: a validation fold, train, delay and test weeks)', default: 42, min: 1, max: 3660 },
    customers: { type: 'integer', description: 'customers', default: 5000, min: 1, max: 100_000_000 },
    terminals: { type: 'integer', description: 'terminals', default: 10000, min: 1, max: 100_000_000 },
    seed: { type: 'integer', description: 'random seed', default: 7 },
    'start-date': { type: 'date', description: 'first day', default: '2019-08-22', placeholder: 'YYYY-MM-DD' },
    tracking: { type: 'uri', description: 'tracking URI (default: an embedded store in --dir)', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  },
  async run(flags, io) {
    const { runDemo } = await import('../../demo/runDemo.js');
    const { formatReport } = await import('../../prepare/report.js');
    const result = await runDemo({
      dir: String(flags.dir),
      days: Number(flags.days),
      customers: Number(flags.customers),
      terminals: Number(flags.terminals),
      seed: Number(flags.seed),
      startDate: String(flags['start-date']),
      tracking: typeof flags.tracking === 'string' ? flags.tracking : undefined,
      signal: io.signal,
      onProgress: io.progress,
    }, io.ctx);
    const { generated: gen, prepare: report, differences, tracking, scored } = result;
    const raw = join(result.dir, 'raw');
    const lake = join(result.dir, 'lake');
    const lastDay = basename(scored.raw);
    if (io.json) {
      io.out(JSON.stringify(result, null, 2));
    } else {
      io.out(`generated ${gen.files} daily files, ${gen.rows.toLocaleString('en-US')} rows (${gen.fraud.total.toLocaleString('en-US')} frauds) into ${raw}`);
      io.out(formatReport(report));
      io.out(
        differences.length === 0
          ? 'quality report matches the generator manifest exactly'
          : `quality report differs from the generator manifest:\n${differences.map((d) => `  ${d.file} ${d.field}: expected ${d.expected}, got ${d.actual}`).join('\n')}`,
      );
      io.out(`lake: ${lake}`);
      for (const { train: t, validate: v } of result.runs) {
        io.out('');
        io.out(`trained ${t.model} → run ${t.runId}, version ${t.modelVersion}: test AUC ${t.metrics.auc.toFixed(4)}, AP ${t.metrics.ap.toFixed(4)}, CP@100 ${t.metrics.cp100.toFixed(4)}`);
        const evidence = v.champion
          ? ` (${v.metric} ${v.candidate.observed.toFixed(4)} vs champion ${v.champion.observed.toFixed(4)}, diff ${v.meanDiff.toFixed(4)}, CI [${v.ci?.map((x) => x.toFixed(4)).join(', ')}], ${v.test} p = ${v.pValue.toPrecision(3)})`
          : '';
        io.out(`validate: ${v.promoted ? 'PROMOTED' : 'REFUSED'} [${v.decision.code}]${evidence}`);
        io.out(`  ${v.decision.reason}`);
      }
      io.out('');
      io.out(
        `scored ${lastDay} without a broker (the stream scorer's path): ${scored.scored.toLocaleString('en-US')} transactions by version ${scored.modelVersion}, ` +
          `${scored.alerts} alerts, ${scored.dead} dead letters, ${Math.round(scored.transactionsPerSecond).toLocaleString('en-US')} tx/s → ${scored.out}`,
      );
      io.out(`\ntracking: ${tracking}  (see \`fraudops champion --tracking ${tracking}\`)`);
    }
    return report.ok && differences.length === 0 ? 0 : 1;
  },
};
