/**
 * The demo pipeline: the main job end to end on embedded defaults, with no server: generate a small noisy dataset,
 * prepare it into a local lake (quality report checked against the generator's ground truth), train a boosted-tree
 * model and validate it (the first model becomes the champion), then train a logistic-regression challenger and
 * validate it against the champion (refused unless significantly better), and score the last day file with the
 * champion through the stream scorer's path without a broker. Returns every result; the CLI prints them.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generate } from '../generator/generate.js';
import { MANIFEST_NAME, type Manifest } from '../generator/manifest.js';
import { compareWithManifest } from '../prepare/manifestCheck.js';
import { prepare } from '../prepare/prepare.js';
import { validate } from '../promotion/validate.js';
import { train } from '../training/train.js';
import { scoreFile } from '../scoring/scoreFile.js';
import type { StageContext } from '../stage/StageContext.js';

export interface DemoOptions {
  /** Working directory; raw/, lake/ and (without `tracking`) mlruns/ inside it are replaced. */
  dir: string;
  days: number;
  customers: number;
  terminals: number;
  seed: number;
  startDate: string;
  /** Tracking URI; default an embedded store in `dir`. */
  tracking?: string;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export async function runDemo(o: DemoOptions, ctx?: StageContext) {
  const progress = o.onProgress ?? (() => {});
  const dir = resolve(o.dir);
  const raw = join(dir, 'raw');
  const lake = join(dir, 'lake');
  const tracking = o.tracking ?? join(dir, 'mlruns');
  rmSync(raw, { recursive: true, force: true });
  rmSync(lake, { recursive: true, force: true });
  if (o.tracking === undefined) rmSync(tracking, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  progress('demo: generating transactions…');
  const gen = await generate(
    {
      out: raw,
      days: o.days,
      customers: o.customers,
      terminals: o.terminals,
      seed: o.seed,
      startDate: o.startDate,
      noise: 'course',
      // Raised defect rates, so a small demo dataset shows every kind of defect.
      noiseRates: { terminal_missing: 2e-4, bad_datetime: 1e-4, time_days_mismatch: 1e-4, duplicate_within_file: 1e-4, duplicate_across_files: 1e-4, negative_customer_id: 1e-4, sentinel_customer_id: 1e-4, zero_amount: 1e-4 },
      workers: 2,
    },
    { signal: o.signal, onProgress: (p) => progress(`demo: generated ${p.daysDone}/${p.daysTotal} days, ${p.rowsWritten.toLocaleString('en-US')} rows`) },
  );
  const report = await prepare({
    raw,
    lake,
    signal: o.signal,
    onProgress: (p) => progress(`demo: preparing ${p.file} (${p.fileIndex + 1}/${p.fileCount})`),
  }, ctx);
  const manifest = JSON.parse(readFileSync(join(raw, MANIFEST_NAME), 'utf8')) as Manifest;
  const differences = compareWithManifest(report, manifest);

  const common = { lake, tracking, seed: 1, signal: o.signal, onProgress: (m: string) => progress(`demo: ${m}`) };
  const champion = await train({ ...common, model: 'gbdt', search: 'random', trials: 3, folds: 1 }, ctx);
  const first = await validate({ ...common, candidate: champion.runId, bootstrap: 500 }, ctx);
  const challenger = await train({ ...common, model: 'logreg', folds: 1 }, ctx);
  const second = await validate({ ...common, candidate: challenger.runId, bootstrap: 500 }, ctx);
  // Scoring without a broker: the last day file through the stream scorer's path (in-process source and sink).
  const lastDay = readdirSync(raw).filter((n) => /^\d{4}-\d{2}-\d{2}\.txt$/.test(n)).sort().pop()!;
  progress(`demo: scoring ${lastDay} with the champion…`);
  const scored = await scoreFile({ raw: join(raw, lastDay), out: join(dir, 'predictions.jsonl'), lake, tracking, signal: o.signal }, ctx);
  const result = {
    dir,
    generated: { files: gen.totals.files, rows: gen.totals.rows, fraud: gen.fraud, defects: gen.defects, rowsPerSecond: Math.round(gen.rowsPerSecond) },
    prepare: report,
    matchesManifest: differences.length === 0,
    differences,
    tracking,
    runs: [
      { train: champion, validate: first },
      { train: challenger, validate: second },
    ],
    scored,
  };
  return result;
}
