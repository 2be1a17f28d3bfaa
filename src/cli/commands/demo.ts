/** `fraudops demo`: thin shell over the demo pipeline run (src/demo/runDemo.ts, DAG in src/pipeline/demoDag.ts). */
import { basename } from 'node:path';
import type { DemoStep } from '../../demo/runDemo.js';
import type { JsonValue, TaskOutput } from '../../pipeline/stage.js';
import { TRACKING_SCHEMES } from '../../config/schemes.js';
import type { Command } from '../command.js';
import { minimumLakeDays } from '../../training/minimumLakeDays.js';
import { historyDays } from '../../features/spec.js';

const MIN_DAYS = minimumLakeDays({ trainDays: 7, delayDays: 7, testDays: 7 });

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run the pipeline on a small generated dataset, locally, with no servers',
  usage: 'fraudops demo [--dir <dir>] [--days N] [--customers N] [--terminals N] [--seed S] [--json]',
  description:
    'One pipeline run (DAG `demo`) on the durable workflow engine, kept in an embedded database in <dir>/pipeline: generate → prepare ' +
    '(its account checked against the generator\'s manifest) → train and validate a boosted-tree champion → train and validate a ' +
    'logistic-regression challenger → score the last day; `fraudops runs show <run> --db <dir>/pipeline` shows it afterwards. ' +
    'Starts from scratch in --dir each time: raw/, lake/, pipeline/ and the embedded tracking store mlruns/ inside it are replaced. ' +
    'It does so only in a directory the demo made (it leaves a .fraudops-demo marker) or a new or empty one; a directory that already ' +
    'holds raw/, lake/ or mlruns/ of something else is refused. Exit code 0 when the run succeeded and the account matched the manifest.',
  examples: ['fraudops demo', 'fraudops demo --dir /tmp/fraudops-demo --days 36 --customers 5000 --terminals 10000 --json'],
  flags: {
    dir: { type: 'string', description: 'working directory for raw files and the lake', default: 'fraudops-demo', placeholder: '<dir>' },
    days: { type: 'integer', description: `days of transactions (at least ${MIN_DAYS}: a validation fold, train, delay and test weeks; the default ${MIN_DAYS + historyDays()} also holds the ${historyDays()} days of history the features look back)`, default: MIN_DAYS + historyDays(), min: MIN_DAYS, max: 3660 },
    customers: { type: 'integer', description: 'customers', default: 5000, min: 1, max: 100_000_000 },
    terminals: { type: 'integer', description: 'terminals', default: 10000, min: 1, max: 100_000_000 },
    seed: { type: 'integer', description: 'random seed', default: 7 },
    'start-date': { type: 'date', description: 'first day', default: '2019-08-22', placeholder: 'YYYY-MM-DD' },
    tracking: { type: 'uri', description: 'tracking URI (default: an embedded store in --dir)', placeholder: '<uri>', schemes: TRACKING_SCHEMES },
  },
  async run(flags, io) {
    const { runDemo } = await import('../../demo/runDemo.js');
    // Piped (no TTY) and not --json: each part prints as soon as it is done, and progress goes to stderr as
    // plain lines at most every few seconds, so a log or `| tee` shows the demo moving instead of nothing.
    const progress = io.interactive || io.json ? io.progress : throttledLines(io.err, 5000);
    const print = (step: DemoStep) => {
      if (io.json) return;
      for (const line of describeStep(step)) io.out(line);
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
    const dashboard = dashboardCommand(result.lake, result.tracking, result.database);
    if (io.json) io.out(JSON.stringify({ ...result, dashboard }, null, 2));
    else {
      io.out('');
      io.out(`pipeline run ${result.runId}: ${result.state}  (see \`npx fraudops runs show ${result.runId} --db ${result.database}\`)`);
      io.out(`tracking: ${result.tracking}  (see \`npx fraudops champion --tracking ${result.tracking}\`)`);
      io.out(`dashboard: ${dashboard}`);
    }
    return result.state === 'succeeded' && result.matchesManifest ? 0 : 1;
  },
};

const num = (v: JsonValue | undefined) => (typeof v === 'number' ? v : 0);
const fmt = (v: JsonValue | undefined) => num(v).toLocaleString('en-US');
const fixed = (v: JsonValue | undefined) => (typeof v === 'number' ? v.toFixed(4) : 'n/a');
const record = (v: JsonValue | undefined): { [k: string]: JsonValue } => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});

/** What a finished task of the demo run says to a person: its result, or why it did not run. */
export function describeStep(step: DemoStep): string[] {
  const o: TaskOutput = step.output ?? {};
  if (step.state !== 'succeeded') {
    if (step.stage.startsWith('cluster.') && step.state === 'skipped') return [];
    return [`${step.task}: ${step.state}${step.error ? ` [${step.error.code}] ${step.error.message}` : ''}${step.reason ? ` (${step.reason})` : ''}`];
  }
  switch (step.stage) {
    case 'generate':
      return [`generated ${fmt(o.files)} daily files, ${fmt(o.rows)} rows (${fmt(record(o.fraud).total)} frauds) into ${String(o.out)}`];
    case 'prepare': {
      const account = record(o.account);
      const lines = [`prepared ${fmt(o.newFiles)} new file(s): ${fmt(account.rowsIn)} rows in, ${fmt(account.kept)} kept, ${fmt(account.duplicates)} duplicates, ${fmt(account.quarantinedTotal)} quarantined`];
      for (const [part, label] of [['fixed', 'fixed'], ['flagged', 'flagged'], ['quarantined', 'quarantined']] as const) {
        for (const [k, v] of Object.entries(record(account[part]))) if (num(v) > 0) lines.push(`  ${label} ${k}: ${fmt(v)}`);
      }
      return lines;
    }
    case 'check.manifest': {
      if (o.matches === true) return ['quality report matches the generator manifest exactly'];
      const diffs = Array.isArray(o.differences) ? o.differences.map(record) : [];
      return [`quality report differs from the generator manifest in ${fmt(o.differenceCount)} place(s):`, ...diffs.map((d) => `  ${String(d.file)} ${String(d.field)}: expected ${fmt(d.expected)}, got ${fmt(d.actual)}`)];
    }
    case 'train': {
      const m = record(o.metrics);
      return ['', `trained ${String(o.model)} → run ${String(o.runId)}, version ${String(o.modelVersion)}: test AUC ${fixed(m.auc)}, AP ${fixed(m.ap)}, CP@100 ${fixed(m.cp100)}`];
    }
    case 'validate': {
      const ci = Array.isArray(o.ci) ? o.ci.map(fixed).join(', ') : 'n/a';
      const evidence =
        o.championObserved === null || o.championObserved === undefined
          ? ''
          : ` (${String(o.metric)} ${fixed(o.candidateObserved)} vs champion ${fixed(o.championObserved)}, diff ${fixed(o.meanDiff)}, CI [${ci}], ${String(o.test)} p = ${typeof o.pValue === 'number' ? o.pValue.toPrecision(3) : 'n/a'})`;
      const lines = [`validate: ${o.promoted === true ? 'PROMOTED' : 'REFUSED'} [${String(o.decision)}]${evidence}`, `  ${String(o.reason)}`];
      if (step.reportFiles) lines.push(`  report: ${step.reportFiles.html}`, `          ${step.reportFiles.png}`);
      return lines;
    }
    case 'score':
      return [
        '',
        `scored ${basename(String(o.raw))} without a broker (the stream scorer's path): ${fmt(o.scored)} transactions by version ${String(o.modelVersion)}, ` +
          `${fmt(o.alerts)} alerts, ${fmt(o.dead)} dead letters, ${Math.round(num(o.transactionsPerSecond)).toLocaleString('en-US')} tx/s → ${String(o.out)}`,
      ];
    default:
      return [];
  }
}

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

/** The command that opens this demo's lake and tracking store in the dashboard, quoted for a POSIX shell. */
export function dashboardCommand(lake: string, tracking: string, database: string): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  return `npx fraudops ui --lake ${q(lake)} --tracking ${q(tracking)} --db ${q(database)}`;
}
