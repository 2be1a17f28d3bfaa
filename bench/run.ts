/**
 * The bench dispatcher: `npm run bench -- <stage> [options]`. Benchmarks are not tests: each stage measures ours
 * and its peers in the same run and prints ratios against goals; missing a goal does not fail the run.
 * Generated inputs are cached under the data dir (default `.data/bench`) and reused when parameters match.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliPath, gitCommit } from './lib/generatedData.js';
import { haveGnuTime } from './lib/measureCommand.js';
import { BenchUsageError, formatOptions, parseOptions, type OptionSpecs } from './lib/options.js';
import { formatReport } from './lib/report.js';
import type { BenchStage } from './lib/stage.js';
import { generateBench } from './stages/generateBench.js';
import { prepareBench } from './stages/prepareBench.js';
import { sparkBench } from './stages/sparkBench.js';
import { streamBench } from './stages/streamBench.js';
import { qualityBench } from './stages/qualityBench.js';
import { trainBench } from './stages/trainBench.js';
import { trainScaleBench } from './stages/trainScaleBench.js';

/** Every stage the dispatcher knows; a new one (train) is a file in bench/stages/ and a line here. */
const STAGES: BenchStage[] = [generateBench, prepareBench, trainBench, trainScaleBench, qualityBench, streamBench, sparkBench];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const COMMON_OPTIONS: OptionSpecs = {
  'data-dir': { type: 'string', description: 'cached inputs and scratch outputs', default: '.data/bench', placeholder: '<dir>' },
  repeat: { type: 'number', description: 'measure each command this many times; report the median wall time', default: 1 },
  keep: { type: 'boolean', description: 'keep scratch outputs (lakes) instead of deleting them' },
  json: { type: 'boolean', description: 'print one JSON document with every number instead of the table' },
  help: { type: 'boolean', description: 'show help' },
};

function mainHelp(): string {
  const width = Math.max(...STAGES.map((s) => s.name.length)) + 2;
  return [
    'Usage: npm run bench -- <stage> [options]',
    '',
    'Stages:',
    ...STAGES.map((s) => `  ${s.name.padEnd(width)}${s.summary}`),
    '',
    'Common options:',
    formatOptions(COMMON_OPTIONS),
    '',
    'Run `npm run bench -- <stage> --help` for the stage\'s own options.',
  ].join('\n');
}

function stageHelp(stage: BenchStage): string {
  return [
    `Usage: npm run bench -- ${stage.name} [options]`,
    '',
    stage.description,
    '',
    'Options:',
    formatOptions(stage.options),
    '',
    'Common options:',
    formatOptions(COMMON_OPTIONS),
    '',
    'Examples:',
    ...stage.examples.map((e) => `  ${e}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp() + '\n');
    return name === undefined ? 2 : 0;
  }
  const stage = STAGES.find((s) => s.name === name);
  if (!stage) throw new BenchUsageError(`unknown stage "${name}" (known: ${STAGES.map((s) => s.name).join(', ')})`);
  const { values, positionals } = parseOptions(rest, { ...stage.options, ...COMMON_OPTIONS });
  if (values.help) {
    process.stdout.write(stageHelp(stage) + '\n');
    return 0;
  }
  if (positionals.length) throw new BenchUsageError(`unexpected argument "${positionals[0]}"`);
  if (!existsSync(cliPath(ROOT))) {
    throw new Error(`${cliPath(ROOT)} is missing: build first (npm run bench builds; tsx bench/run.ts does not)`);
  }

  const json = values.json === true;
  const log = (m: string): void => void process.stderr.write(`[bench] ${m}\n`);
  const dataDir = resolve(ROOT, String(values['data-dir']));
  await mkdir(dataDir, { recursive: true });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new BenchUsageError('--repeat expects a whole number ≥ 1');

  const load = loadavg()[0];
  const cores = cpus().length;
  if (load > cores * 0.5) log(`warning: load average ${load.toFixed(2)} on ${cores} cores; numbers will be noisy`);
  if (!haveGnuTime()) log('GNU time not found (/usr/bin/time): peak RSS comes from /proc polling (apt-get install -y time)');

  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const report = await stage.run({ root: ROOT, dataDir, options: values, repeat, keep: values.keep === true, log, signal: controller.signal });

  if (json) {
    const environment = {
      date: new Date().toISOString(),
      commit: gitCommit(ROOT),
      node: process.version,
      cores,
      loadAverageAtStart: load,
      rssTool: haveGnuTime() ? 'gnu-time' : 'proc',
    };
    process.stdout.write(JSON.stringify({ ...report, environment }, null, 2) + '\n');
  } else {
    process.stdout.write(formatReport(report) + '\n');
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof BenchUsageError) {
      process.stderr.write(`bench: ${e.message}\n\n${mainHelp()}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
