/** `fraudops demo`: thin shell over the demo pipeline (src/demo/runDemo.ts). */
import { basename } from 'node:path';
import type { DemoStep } from '../../demo/runDemo.js';
import { TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';
import { minimumLakeDays } from '../../training/minimumLakeDays.js';

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the pipeline on a small generated dataset, locally, with no servers',
  usage: 'fraudops demo [--dir <dir>] [--days N] [--customers N] [--terminals N] [--seed S] [--json]',
  description:
    'Starts from scratch in --dir each time: raw/, lake/ and the embedded tracking store mlruns/ inside it are replaced. ' +
    'It does so only in a directory the demo made (it leaves a .fraudops-demo marker) or a new or empty one; a directory that already ' +
    'holds raw/, lake/ or mlruns/ of something else is refused.',
  examples: ['fraudops demo', 'fraudops demo --dir /tmp/fraudops-demo --days 36 --customers 5000 --terminals 10000 --json'],
  flags: {
    dir: { type: 'string', description: 'working directory for raw files and the lake', default: 'fraudops-demo', placeholder: '<dir>' },
    days: { type: 'integer', description: 'days of transactions (at least 35: a validation fold, train, delay and test weeks)', default: 42, min: minimumLakeDays({ trainDays: 7, delayDays: 7, testDays: 7 }), max: 3660 },
    customers: { type: 'integer', description: 'customers', default: 5000, min: 1, max: 100_000_000 },
    terminals: { type: 'integer', description: 'terminals', default: 10000, min: 1, max: 100_000_000 },
    seed: { type: 'integer', description: 'random seed', default: 7 },
    'start-date': { type: 'date', description: 'first day', default: '2019-08-22', placeholder: 'YYYY-MM-DD' },
    tracking: { type: 'uri', description: 'tracking URI (default: an embedded store in --dir)', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  },
  async run(flags, io) {
    const { runDemo } = await import('../../demo/runDemo.js');
    const { formatReport } = await import('../../prepare/report.js');
    // Piped (no TTY) and not --json: each part prints as soon as it is done, and progress goes to stderr as
    // plain lines at most every few seconds, so a log or `| tee` shows the demo moving instead of nothing.
    const progress = io.interactive || io.json ? io.progress : throttledLines(io.err, 5000);
    const print = (step: DemoStep) => {
      if (io.json) return;
      if (step.step === 'generated') {
        const gen = step.generated;
        io.out(`generated ${gen.files} daily files, ${gen.rows.toLocaleString('en-US')} rows (${gen.fraud.total.toLocaleString('en-US')} frauds) into ${step.raw}`);
      } else if (step.step === 'prepared') {
        io.out(formatReport(step.prepare));
        io.out(
          step.differences.length === 0
            ? 'quality report matches the generator manifest exactly'
            : `quality report differs from the generator manifest:\n${step.differences.map((d) => `  ${d.file} ${d.field}: expected ${d.expected}, got ${d.actual}`).join('\n')}`,
        );
        io.out(`lake: ${step.lake}`);
      } else if (step.step === 'validated') {
        const { train: t, validate: v, reportFiles } = step.run;
        io.out('');
        io.out(`trained ${t.model} → run ${t.runId}, version ${t.modelVersion}: test AUC ${t.metrics.auc.toFixed(4)}, AP ${t.metrics.ap.toFixed(4)}, CP@100 ${t.metrics.cp100.toFixed(4)}`);
        const evidence = v.champion
          ? ` (${v.metric} ${v.candidate.observed.toFixed(4)} vs champion ${v.champion.observed.toFixed(4)}, diff ${v.meanDiff.toFixed(4)}, CI [${v.ci?.map((x) => x.toFixed(4)).join(', ')}], ${v.test} p = ${v.pValue.toPrecision(3)})`
          : '';
        io.out(`validate: ${v.promoted ? 'PROMOTED' : 'REFUSED'} [${v.decision.code}]${evidence}`);
        io.out(`  ${v.decision.reason}`);
        if (reportFiles) io.out(`  report: ${reportFiles.html}\n          ${reportFiles.png}`);
      } else {
        const scored = step.scored;
        io.out('');
        io.out(
          `scored ${basename(scored.raw)} without a broker (the stream scorer's path): ${scored.scored.toLocaleString('en-US')} transactions by version ${scored.modelVersion}, ` +
            `${scored.alerts} alerts, ${scored.dead} dead letters, ${Math.round(scored.transactionsPerSecond).toLocaleString('en-US')} tx/s → ${scored.out}`,
        );
      }
    };
    const result = await runDemo(
      {
        dir: String(flags.dir),
        days: Number(flags.days),
        customers: Number(flags.customers),
        terminals: Number(flags.terminals),
        seed: Number(flags.seed),
        startDate: String(flags['start-date']),
        tracking: typeof flags.tracking === 'string' ? flags.tracking : undefined,
        signal: io.signal,
        onProgress: progress,
        onStep: print,
      },
      io.ctx,
    );
    if (io.json) io.out(JSON.stringify(result, null, 2));
    else io.out(`\ntracking: ${result.tracking}  (see \`npx fraudops champion --tracking ${result.tracking}\`)`);
    return result.prepare.ok && result.differences.length === 0 ? 0 : 1;
  },
};

/** Progress as whole lines, at most one per `everyMs` (the first at once). */
function throttledLines(write: (line: string) => void, everyMs: number): (message: string) => void {
  let last = -Infinity;
  return (message) => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    write(message);
  };
}
