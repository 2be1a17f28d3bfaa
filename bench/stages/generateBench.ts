/**
 * The generate bench: how fast `fraudops generate` writes course-format raw files, against the goal of 3M rows/s
 * and against the disk's own write speed for the same number of bytes. Its output is kept as the cached input of
 * the prepare bench when the parameters match.
 */
import { DATA_OPTIONS, dataParams, positiveInt } from '../lib/dataOptions.js';
import { datasetKey, estimateRows, generateMeasured, type GeneratedData } from '../lib/generatedData.js';
import { writeFloor } from '../lib/floors.js';
import { measureRepeated } from '../lib/repeat.js';
import { check, type BenchStage } from '../lib/stage.js';
import { join } from 'node:path';

const GOAL_ROWS_PER_SECOND = 3_000_000;

export const generateBench: BenchStage = {
  name: 'generate',
  summary: 'rows/s of `fraudops generate` against 3M rows/s and the raw disk write floor',
  description:
    'Runs `node dist/cli/bin.js generate --out <dir> --days N --customers C --terminals T --seed S --noise course`, ' +
    'counts rows from <dir>/_manifest.json (totals.rows) or by lines, then writes the same number of bytes with dd ' +
    '(no fsync, as the generator) as the floor. The generated files become the cached input of the prepare bench.',
  options: {
    ...DATA_OPTIONS,
    workers: { type: 'number', description: 'passed as --workers to generate (days simulated in parallel); output is the same' },
  },
  examples: ['npm run bench -- generate', 'npm run bench -- generate --rows 200k --days 5', 'npm run bench -- generate --json'],

  async run(ctx) {
    const params = dataParams(ctx.options);
    ctx.log(`generate ${datasetKey(params)}: about ${estimateRows(params)} rows`);
    const extra = ctx.options.workers === undefined ? [] : ['--workers', String(positiveInt(ctx.options, 'workers'))];
    let data: GeneratedData | undefined;
    const ours = await measureRepeated(ctx.repeat, async (i) => {
      ctx.log(`  generate run ${i + 1}/${ctx.repeat}...`);
      const r = await generateMeasured(ctx, params, extra);
      data = r.data;
      return r.measurement;
    });
    if (!data) throw new Error('generate produced no data');
    ctx.log(`  ${data.rows} rows, ${data.files.length} files, ${data.bytes} bytes`);
    const bytes = data.bytes;
    const floor = await measureRepeated(ctx.repeat, () => writeFloor(join(ctx.dataDir, 'raw'), bytes, ctx.signal));

    const rowsPerSecond = data.rows / ours.wallSeconds;
    return {
      stage: 'generate',
      params: { ...params, workers: ctx.options.workers ?? 'default', rows: data.rows, files: data.files.length, repeat: ctx.repeat },
      reference: 'ours',
      rows: [
        { name: 'ours', wallSeconds: ours.wallSeconds, peakRssBytes: ours.peakRssBytes, rows: data.rows, bytes, note: 'fraudops generate' },
        { name: 'write floor', wallSeconds: floor.wallSeconds, bytes, note: 'dd of the same bytes, no fsync' },
      ],
      checks: [
        check('ours rows/s', rowsPerSecond, 'rows/s', { target: GOAL_ROWS_PER_SECOND, direction: 'atLeast' }),
        check('ours ÷ write floor', ours.wallSeconds / floor.wallSeconds, '×'),
        check('ours peak RSS', ours.peakRssBytes, 'bytes'),
      ],
      notes: [
        `rows from ${data.rowsSource === 'manifest' ? '_manifest.json totals.rows' : 'counted lines (no manifest totals)'}`,
        `output kept as prepare input: ${data.dir}`,
      ],
      details: { dataDir: data.dir, ours: { rssSource: ours.rssSource }, floorCommand: floor.command },
    };
  },
};
