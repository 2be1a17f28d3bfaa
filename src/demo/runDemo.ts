/**
 * The demo pipeline: the main job end to end on embedded defaults, with no server: generate a small noisy dataset,
 * prepare it into a local lake (quality report checked against the generator's ground truth), train a boosted-tree
 * model and validate it (the first model becomes the champion), then train a logistic-regression challenger and
 * validate it against the champion (refused unless significantly better), and score the last day file with the
 * champion through the stream scorer's path without a broker. Returns every result; the CLI prints them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '../generator/generate.js';
import { MANIFEST_NAME, type Manifest } from '../generator/manifest.js';
import { compareWithManifest } from '../prepare/manifestCheck.js';
import { prepare } from '../prepare/prepare.js';
import { validate } from '../promotion/validate.js';
import { train } from '../training/train.js';
import { scoreFile } from '../scoring/scoreFile.js';
import { holdTracking, type StageContext } from '../stage/StageContext.js';
import { prepareDemoDir } from './demoDir.js';

export interface DemoOptions {
  /**
   * Working directory; raw/, lake/ and (without `tracking`) mlruns/ inside it are replaced, which is refused in a
   * directory the demo did not make (see demoDir.ts).
   */
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
  /** Each part of the result as soon as it is known, so a caller can print it then instead of at the end. */
  onStep?: (step: DemoStep) => void;
}

export type DemoStep =
  | { step: 'generated'; generated: DemoResult['generated']; raw: string }
  | { step: 'prepared'; prepare: DemoResult['prepare']; differences: DemoResult['differences']; lake: string }
  | { step: 'validated'; run: DemoResult['runs'][number] }
  | { step: 'scored'; scored: DemoResult['scored'] };

export type DemoResult = Awaited<ReturnType<typeof runDemo>>;

export async function runDemo(o: DemoOptions, ctx?: StageContext) {
  const progress = o.onProgress ?? (() => {});
  const step = o.onStep ?? (() => {});
  const dir = prepareDemoDir(o.dir, o.tracking !== undefined);
  const raw = join(dir, 'raw');
  const lake = join(dir, 'lake');
  const tracking = o.tracking ?? join(dir, 'mlruns');

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
  const generated = { files: gen.totals.files, rows: gen.totals.rows, fraud: gen.fraud, defects: gen.defects, rowsPerSecond: Math.round(gen.rowsPerSecond) };
  step({ step: 'generated', generated, raw });
  const report = await prepare({
    raw,
    lake,
    signal: o.signal,
    onProgress: (p) => progress(`demo: preparing ${p.file} (${p.fileIndex + 1}/${p.fileCount})`),
  }, ctx);
  const manifest = JSON.parse(readFileSync(join(raw, MANIFEST_NAME), 'utf8')) as Manifest;
  const differences = compareWithManifest(report, manifest);
  step({ step: 'prepared', prepare: report, differences, lake });

  const common = { lake, tracking, seed: 1, signal: o.signal, onProgress: (m: string) => progress(`demo: ${m}`) };
  const runs: Array<{ train: Awaited<ReturnType<typeof train>>; validate: Awaited<ReturnType<typeof validate>>; reportFiles?: { html: string; png: string } }> = [];
  for (const trainOptions of [
    { model: 'gbdt', search: 'random', trials: 3, folds: 1 },
    { model: 'logreg', folds: 1 },
  ] as const) {
    const trained = await train({ ...common, ...trainOptions }, ctx);
    const validated = await validate({ ...common, candidate: trained.runId, bootstrap: 500 }, ctx);
    const run = { train: trained, validate: validated, reportFiles: await reportFiles(validated, tracking, ctx) };
    runs.push(run);
    step({ step: 'validated', run });
  }
  // Scoring without a broker: the last day file through the stream scorer's path (in-process source and sink).
  const lastDay = readdirSync(raw).filter((n) => /^\d{4}-\d{2}-\d{2}\.txt$/.test(n)).sort().pop()!;
  progress(`demo: scoring ${lastDay} with the champion…`);
  const scored = await scoreFile({ raw: join(raw, lastDay), out: join(dir, 'predictions.jsonl'), lake, tracking, signal: o.signal }, ctx);
  step({ step: 'scored', scored });
  return {
    dir,
    generated,
    prepare: report,
    matchesManifest: differences.length === 0,
    differences,
    lake,
    tracking,
    runs,
    scored,
  };
}

/** Where a validation's HTML and PNG reports are: files for a local artifact root, URIs otherwise. */
async function reportFiles(v: Awaited<ReturnType<typeof validate>>, tracking: string, ctx: StageContext | undefined): Promise<{ html: string; png: string } | undefined> {
  if (!v.report) return undefined;
  const held = await holdTracking(ctx, tracking);
  try {
    const root = (await held.value.runs.getRun(v.candidate.runId)).info.artifactUri.replace(/\/+$/, '');
    const at = (path: string) => (root.startsWith('file:') ? fileURLToPath(`${root}/${path}`) : `${root}/${path}`);
    return { html: at(v.report.html), png: at(v.report.png) };
  } finally {
    await held.release();
  }
}
