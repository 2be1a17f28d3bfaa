/**
 * `fraudops demo`: the main job end to end on embedded defaults, with no server: generate a small noisy dataset,
 * prepare it into a local lake (quality report checked against the generator's ground truth), train a boosted-tree
 * model and validate it (the first model becomes the champion), then train a logistic-regression challenger and
 * validate it against the champion (refused unless significantly better), printing the evidence.
 */
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from '../command.js';
import { generate } from '../../generator/generate.js';
import { MANIFEST_NAME, type Manifest } from '../../generator/manifest.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the pipeline on a small generated dataset, locally, with no servers',
  usage: 'fraudops demo [--dir <dir>] [--days N] [--customers N] [--terminals N] [--seed S] [--json]',
  description: 'Starts from scratch in --dir each time (raw/, lake/ and the embedded tracking store mlruns/ inside it are replaced).',
  examples: ['fraudops demo', 'fraudops demo --dir /tmp/fraudops-demo --days 30 --customers 5000 --terminals 10000 --json'],
  flags: {
    dir: { type: 'string', description: 'working directory for raw files and the lake', default: 'fraudops-demo', placeholder: '<dir>' },
    days: { type: 'number', description: 'days of transactions (at least 35: a validation fold, train, delay and test weeks)', default: 42 },
    customers: { type: 'number', description: 'customers', default: 5000 },
    terminals: { type: 'number', description: 'terminals', default: 10000 },
    seed: { type: 'number', description: 'random seed', default: 7 },
    'start-date': { type: 'string', description: 'first day', default: '2019-08-22', placeholder: 'YYYY-MM-DD' },
    tracking: { type: 'string', description: 'tracking URI (default: an embedded store in --dir)', placeholder: '<uri>' },
  },
  async run(flags, io) {
    const { train } = await import('../../training/train.js');
    const { validate } = await import('../../promotion/validate.js');
    const { prepare } = await import('../../prepare/prepare.js');
    const { formatReport } = await import('../../prepare/report.js');
    const { compareWithManifest } = await import('../../prepare/manifestCheck.js');
    const dir = resolve(String(flags.dir));
    const raw = join(dir, 'raw');
    const lake = join(dir, 'lake');
    const tracking = typeof flags.tracking === 'string' ? flags.tracking : join(dir, 'mlruns');
    rmSync(raw, { recursive: true, force: true });
    rmSync(lake, { recursive: true, force: true });
    if (typeof flags.tracking !== 'string') rmSync(tracking, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });

    io.progress('demo: generating transactions…');
    const gen = await generate(
      {
        out: raw,
        days: Number(flags.days),
        customers: Number(flags.customers),
        terminals: Number(flags.terminals),
        seed: Number(flags.seed),
        startDate: String(flags['start-date']),
        noise: 'course',
        // Raised defect rates, so a small demo dataset shows every kind of defect.
        noiseRates: { terminal_missing: 2e-4, bad_datetime: 1e-4, time_days_mismatch: 1e-4, duplicate_within_file: 1e-4, duplicate_across_files: 1e-4, negative_customer_id: 1e-4, sentinel_customer_id: 1e-4, zero_amount: 1e-4 },
        workers: 2,
      },
      { signal: io.signal, onProgress: (p) => io.progress(`demo: generated ${p.daysDone}/${p.daysTotal} days, ${p.rowsWritten.toLocaleString('en-US')} rows`) },
    );
    const report = await prepare({
      raw,
      lake,
      signal: io.signal,
      onProgress: (p) => io.progress(`demo: preparing ${p.file} (${p.fileIndex + 1}/${p.fileCount})`),
    });
    const manifest = JSON.parse(readFileSync(join(raw, MANIFEST_NAME), 'utf8')) as Manifest;
    const differences = compareWithManifest(report, manifest);

    const common = { lake, tracking, seed: 1, signal: io.signal, onProgress: (m: string) => io.progress(`demo: ${m}`) };
    const champion = await train({ ...common, model: 'gbdt', search: 'random', trials: 3, folds: 1 });
    const first = await validate({ ...common, candidate: champion.runId, bootstrap: 500 });
    const challenger = await train({ ...common, model: 'logreg', folds: 1 });
    const second = await validate({ ...common, candidate: challenger.runId, bootstrap: 500 });
    const result = {
      dir,
      generated: { files: gen.totals.files, rows: gen.totals.rows, fraud: gen.fraud, defects: gen.defects, rowsPerSecond: Math.round(gen.rowsPerSecond) },
      prepare: report,
      matchesManifest: differences.length === 0,
      differences,
      tracking,
      dashboard: dashboardCommand(lake, tracking),
      runs: [
        { train: champion, validate: first },
        { train: challenger, validate: second },
      ],
    };
    if (io.json) {
      io.out(JSON.stringify(result, null, 2));
    } else {
      io.out(`generated ${gen.totals.files} daily files, ${gen.totals.rows.toLocaleString('en-US')} rows (${gen.fraud.total.toLocaleString('en-US')} frauds) into ${raw}`);
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
      io.out(`\ntracking: ${tracking}  (see \`fraudops champion --tracking ${tracking}\`)`);
      io.out(`dashboard: ${dashboardCommand(lake, tracking)}`);
    }
    return report.ok && differences.length === 0 ? 0 : 1;
  },
};

/** The command that opens this demo's lake and tracking store in the dashboard, quoted for a POSIX shell. */
export function dashboardCommand(lake: string, tracking: string): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `fraudops ui --lake ${q(lake)} --tracking ${q(tracking)}`;
}
