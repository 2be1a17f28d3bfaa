/**
 * The training-at-scale bench: default `fraudops train` on a generated lake whose 7-day training window holds about
 * `--window-rows` transactions (10M by default, the course's week), timed end to end, and the same lake trained on
 * every row (`--max-train-rows` and `--max-validation-rows` lifted) so the quality of negative down-sampling is
 * judged against a full-data fit on the same test week. A full-data default search on 10M rows takes hours, so the
 * comparison runs `--compare` flags (default: 2 trials, 1 fold, the best alone) both sampled and whole; `--compare ""`
 * compares the default search itself. The lake covers the default search's 4 folds (56 days) plus `--history` days.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { cliPath, customersForRows, ensureGenerated, type GenerateParams } from '../lib/generatedData.js';
import { measureCommand } from '../lib/measureCommand.js';
import { positiveInt } from '../lib/dataOptions.js';
import { check, type BenchRow, type BenchStage, type BenchContext } from '../lib/stage.js';
import { ensurePreparedLake, type PreparedLake } from '../train/preparedLake.js';

/** The goal: default train on a 10M-row window within 30 minutes on two cores. */
const GOAL_SECONDS = 30 * 60;
/** Days the default windows need: 4 validation folds of 7 days before train, delay and test (7 each). */
const DEFAULT_WINDOW_DAYS = 56;
const NO_CAP = ['--max-train-rows', '1000000000', '--max-validation-rows', '1000000000'];

interface Run {
  name: string;
  wallSeconds: number;
  peakRssBytes: number | null;
  metrics: { auc: number; ap: number; cp100: number };
  rows: { train: number; trainFrauds: number; test: number; testFrauds: number };
  sampling: { fitRows: number; negativeRate: number; rangeRows?: number; frameRows?: number };
  search: { trials: number; folds: number; ensemble: number; refitTrees: number[] };
  /** Wall time of train's phases (features and frame, search, refit, scoring), ms. */
  phaseMs?: { features: number; search: number; refit: number; scoring: number };
  /** The 1-minute load average's lowest and highest sample while the run ran (every 15 s): other work on the cores. */
  load: { min: number; max: number };
}

export const trainScaleBench: BenchStage = {
  name: 'train-scale',
  summary: 'default `fraudops train` on a ~10M-row training window: time, and quality against a full-data fit',
  description:
    'Generates a lake whose 7-day training window holds about --window-rows transactions (customers derived at the ' +
    'Handbook\'s rates, two terminals per customer), prepares it, then times `fraudops train` with the defaults ' +
    '(plus --train-args) on its last 7/7/7 window, against the 30-minute goal. For quality it trains --compare flags ' +
    'twice on the same windows, with the default caps and with every row, and prints AUC, AP and CP@100 of each.',
  options: {
    'window-rows': { type: 'number', description: 'transactions in the 7-day training window', default: 10_000_000 },
    history: { type: 'number', description: 'days of history before the earliest fold (feature windows reach 37)', default: 4 },
    seed: { type: 'number', description: 'generator seed', default: 1 },
    'train-args': { type: 'string', description: 'extra flags for every `fraudops train` run', default: '', placeholder: '<flags>' },
    compare: { type: 'string', description: 'flags of the sampled-vs-whole comparison ("" = the default search)', default: '--trials 2 --folds 1 --ensemble 1', placeholder: '<flags>' },
    'skip-default': { type: 'boolean', description: 'only run the comparison' },
    'skip-whole': { type: 'boolean', description: 'only run default train' },
  },
  examples: [
    'npm run bench -- train-scale',
    'npm run bench -- train-scale --window-rows 1000000 --compare "--trials 2 --folds 1 --ensemble 1"',
    'npm run bench -- train-scale --window-rows 1000000 --train-args "--early-stopping 50" --json',
  ],

  async run(ctx) {
    const windowRows = positiveInt(ctx.options, 'window-rows');
    const days = DEFAULT_WINDOW_DAYS + positiveInt(ctx.options, 'history');
    const totalRows = Math.ceil((windowRows / 7) * days);
    // two terminals per customer, as in the Handbook's 5,000 / 10,000
    const guess = customersForRows(totalRows, days, 2 * Math.ceil(totalRows / days / 2));
    const params: GenerateParams = { days, customers: guess, terminals: 2 * guess, seed: Math.trunc(Number(ctx.options.seed)), noise: 'course' };
    const split = (s: unknown): string[] => String(s ?? '').split(/\s+/).filter(Boolean);
    const extra = split(ctx.options['train-args']);
    const compare = split(ctx.options.compare);
    const data = await ensureGenerated(ctx, params, false);
    const lake = await ensurePreparedLake(ctx, data);
    const runs: Run[] = [];
    if (ctx.options['skip-default'] !== true) runs.push(await trainOnce(ctx, lake, 'default train', extra));
    if (ctx.options['skip-whole'] !== true) {
      if (compare.length > 0) runs.push(await trainOnce(ctx, lake, `sampled: ${compare.join(' ')}`, [...extra, ...compare]));
      runs.push(await trainOnce(ctx, lake, `every row: ${compare.join(' ') || 'default search'}`, [...extra, ...compare, ...NO_CAP]));
    }
    const rows: BenchRow[] = runs.map((r) => ({
      name: r.name,
      wallSeconds: r.wallSeconds,
      peakRssBytes: r.peakRssBytes,
      rows: r.rows.train,
      note:
        `AUC ${r.metrics.auc.toFixed(4)}  AP ${r.metrics.ap.toFixed(4)}  CP@100 ${r.metrics.cp100.toFixed(4)}; fitted ${r.sampling.fitRows} of ` +
        `${r.rows.train} train rows (negative rate ${r.sampling.negativeRate.toPrecision(3)}); ${r.search.trials} trials × ${r.search.folds} folds, ensemble ${r.search.ensemble}` +
        (r.sampling.frameRows === undefined ? '' : `; feature frame ${r.sampling.frameRows} of ${r.sampling.rangeRows} rows`) +
        (r.phaseMs === undefined ? '' : `; phases: features and frame ${s(r.phaseMs.features)}, search ${s(r.phaseMs.search)}, refit ${s(r.phaseMs.refit)}, scoring ${s(r.phaseMs.scoring)}`) +
        `; load ${r.load.min.toFixed(1)}–${r.load.max.toFixed(1)}`,
    }));
    const byName = (prefix: string): Run | undefined => runs.find((r) => r.name.startsWith(prefix));
    const sampled = compare.length > 0 ? byName('sampled') : byName('default');
    const whole = byName('every row');
    const defaultRun = byName('default');
    return {
      stage: 'train-scale',
      params: { windowRows, ...params, trainArgs: extra.join(' ') || '(defaults)', compare: compare.join(' ') || '(default search)' },
      reference: runs[0]?.name ?? '',
      rows,
      checks: [
        check('default train wall time', defaultRun ? defaultRun.wallSeconds * 1000 : null, 'ms', { target: GOAL_SECONDS * 1000, direction: 'atMost' }),
        ...(['auc', 'ap', 'cp100'] as const).map((k) =>
          check(`${k} sampled − every row`, sampled && whole ? sampled.metrics[k] - whole.metrics[k] : null, 'score'),
        ),
      ],
      notes: [
        'wall s is the whole `fraudops train` run: feature building, search, final fit, test scoring, tracking; peak RSS is the train process\'s (the engine runs in it)',
        `the lake: ${lake.rows} rows over ${days} days (${params.customers} customers, ${params.terminals} terminals)`,
      ],
      details: { runs },
    };
  },
};

const s = (ms: number): string => `${(ms / 1000).toFixed(0)} s`;

async function trainOnce(ctx: BenchContext, lake: PreparedLake, name: string, flags: string[]): Promise<Run> {
  ctx.signal.throwIfAborted();
  const tracking = await mkdtemp(join(ctx.dataDir, '.scale-tracking-'));
  try {
    ctx.log(`${name}: training on ${lake.dir} (${lake.firstDay}..${lake.lastDay})...`);
    const args = [cliPath(ctx.root), 'train', '--lake', lake.dir, '--tracking', tracking, '--work-dir', ctx.dataDir, '--json', ...flags];
    const loads = [loadavg()[0]];
    const sampler = setInterval(() => loads.push(loadavg()[0]), 15_000);
    let m: Awaited<ReturnType<typeof measureCommand>>;
    try {
      m = await measureCommand(process.execPath, args, { cwd: ctx.root, stdout: 'capture', signal: ctx.signal });
    } finally {
      clearInterval(sampler);
    }
    loads.push(loadavg()[0]);
    if (m.exitCode !== 0) throw new Error(`train (${name}) exited with ${m.exitCode}:\n${m.stderrTail.slice(-4000)}`);
    const r = JSON.parse(m.stdout) as Omit<Run, 'name' | 'wallSeconds' | 'peakRssBytes' | 'load'>;
    const load = { min: Math.min(...loads), max: Math.max(...loads) };
    const phases = r.phaseMs === undefined ? '' : ` (features and frame ${s(r.phaseMs.features)}, search ${s(r.phaseMs.search)}, refit ${s(r.phaseMs.refit)}, scoring ${s(r.phaseMs.scoring)})`;
    ctx.log(`  ${name}: ${m.wallSeconds.toFixed(0)} s${phases}, load ${load.min.toFixed(1)}–${load.max.toFixed(1)}, AUC ${r.metrics.auc.toFixed(4)}  AP ${r.metrics.ap.toFixed(4)}  CP@100 ${r.metrics.cp100.toFixed(4)}`);
    return { name, wallSeconds: m.wallSeconds, peakRssBytes: m.peakRssBytes, metrics: r.metrics, rows: r.rows, sampling: r.sampling, search: r.search, phaseMs: r.phaseMs, load };
  } finally {
    await rm(tracking, { recursive: true, force: true });
  }
}
