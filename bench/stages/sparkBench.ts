/**
 * The Spark bench: on the same generated files, `fraudops prepare` and `fraudops features` on DuckDB (embedded) and
 * on a Spark Connect server through our TypeScript client, and PySpark's own Connect client running the course's
 * cleaning (bench/peers/pyspark_prepare.py --remote) on the same server. The goal: our client adds less than 10 %
 * over PySpark on the same Spark. Note what is compared: our prepare does more than the course's cleaning (an exact
 * account of every row with line numbers, quarantine, dedup against the lake, atomic commits), so the ratio is an
 * upper bound on the client's overhead.
 *
 * The server: one started for the run (local[2] on loopback, without a token: PySpark's client sends a token only
 * over TLS, which a local server does not speak) and stopped after, or --engine sc://… for a server of your own
 * that both clients can reach.
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalSparkConnect, type LocalSparkServer } from '../../src/engine/spark/localServer.js';
import { DATA_OPTIONS, dataParams } from '../lib/dataOptions.js';
import { cliPath, ensureGenerated } from '../lib/generatedData.js';
import { measureCommand, type Measurement } from '../lib/measureCommand.js';
import { ensurePySparkConnect } from '../lib/pyspark.js';
import { measureRepeated } from '../lib/repeat.js';
import { check, type BenchCheck, type BenchContext, type BenchRow, type BenchStage } from '../lib/stage.js';

const GOAL_MAX_OVER_PYSPARK = 1.1;

export const sparkBench: BenchStage = {
  name: 'spark',
  summary: 'prepare and features on DuckDB and on Spark through our client, against PySpark’s Connect client on the same server (< 1.1×)',
  description:
    'Generates (or reuses) the raw files, then times on them: prepare and features on DuckDB; prepare and features with ' +
    '--engine <the Spark Connect server>; bench/peers/pyspark_prepare.py --remote <the same server> (PySpark’s own client, ' +
    'the course’s cleaning). Features cover the last 7 days of the data, with their history read from the lake.',
  options: {
    ...DATA_OPTIONS,
    engine: { type: 'string', description: 'a Spark Connect server (sc://host:port[/;token=…]); default: start one for the run', placeholder: '<uri>' },
    'spark-memory': { type: 'string', description: 'driver memory of a server started for the run', default: '4g', placeholder: '<size>' },
    regenerate: { type: 'boolean', description: 'generate the input again even if a matching one is cached' },
    'skip-duckdb': { type: 'boolean', description: 'do not run the DuckDB rows' },
    'skip-pyspark': { type: 'boolean', description: 'do not run PySpark’s client' },
    'skip-features': { type: 'boolean', description: 'time prepare only (features on a large lake take Spark long on local[2])' },
  },
  examples: ['npm run bench -- spark', 'npm run bench -- spark --rows 2M --days 10', 'npm run bench -- spark --skip-features', 'npm run bench -- spark --engine "$FRAUDOPS_TEST_SPARK_URI" --rows 1M --days 8'],

  async run(ctx) {
    const params = dataParams(ctx.options);
    const data = await ensureGenerated(ctx, params, ctx.options.regenerate === true);
    const runDir = join(ctx.dataDir, 'runs', `spark-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(runDir, { recursive: true });
    let server: LocalSparkServer | undefined;
    let serverDir: string | undefined;
    try {
      let engine = typeof ctx.options.engine === 'string' ? ctx.options.engine : undefined;
      if (!engine) {
        ctx.log('starting a Spark Connect server (local[2]) for the run');
        serverDir = mkdtempSync(join(tmpdir(), 'fraudops-bench-spark-'));
        server = await startLocalSparkConnect({ stateDir: serverDir, port: 15090, master: 'local[2]', driverMemory: String(ctx.options['spark-memory']) });
        engine = server.uri;
      }
      const days = dayRange(data.files);
      const featureDays = { from: days.at(-7) ?? days[0], to: days.at(-1)! };
      const rows: BenchRow[] = [];
      const checks: BenchCheck[] = [];
      const details: Record<string, unknown> = { input: data.dir, inputReused: data.reused, featureDays };
      const time = async (name: string, note: string, args: (i: number) => string[]) => {
        const m = await measureRepeated(ctx.repeat, (i) => runCli(ctx, args(i)));
        rows.push({ name, wallSeconds: m.wallSeconds, peakRssBytes: m.peakRssBytes, rows: data.rows, bytes: data.bytes, note });
        return m;
      };
      const stagesOn = async (label: string, engineArgs: string[]) => {
        const lake = (i: number) => join(runDir, `lake-${label}-${i}`);
        const prepare = await time(`prepare on ${label}`, `fraudops prepare${engineArgs.length ? ' --engine' : ''}`, (i) => ['prepare', '--raw', data.dir, '--lake', lake(i), ...engineArgs, '--json']);
        if (ctx.options['skip-features'] === true) return { prepare, features: undefined };
        const features = await time(`features on ${label}`, `fraudops features, ${featureDays.from}..${featureDays.to}`, (i) => [
          'features', '--lake', lake(i), '--from', featureDays.from, '--to', featureDays.to, '--out', join(runDir, `features-${label}-${i}`), ...engineArgs, '--json',
        ]);
        return { prepare, features };
      };
      const duck = ctx.options['skip-duckdb'] === true ? undefined : await stagesOn('duckdb', []);
      const spark = await stagesOn('spark', ['--engine', engine]);
      if (ctx.options['skip-pyspark'] !== true) {
        const py = ensurePySparkConnect(ctx.root, ctx.log);
        const script = join(ctx.root, 'bench', 'peers', 'pyspark_prepare.py');
        const peer = await measureRepeated(ctx.repeat, (i) =>
          measureOrThrow(ctx, 'pyspark connect peer', py.python, [script, '--remote', engine!, '--out', join(runDir, `lake-pyspark-${i}`), ...data.files]),
        );
        rows.push({ name: 'pyspark (connect)', wallSeconds: peer.wallSeconds, peakRssBytes: peer.peakRssBytes, rows: data.rows, bytes: data.bytes, note: `PySpark ${py.version}’s client, the course’s cleaning, same server` });
        checks.push(check('ours prepare on Spark ÷ pyspark on Spark', spark.prepare.wallSeconds / peer.wallSeconds, '×', { target: GOAL_MAX_OVER_PYSPARK, direction: 'atMost' }));
        details.pyspark = { version: py.version };
      }
      if (duck) {
        checks.push(check('prepare: Spark ÷ DuckDB', spark.prepare.wallSeconds / duck.prepare.wallSeconds, '×'));
        if (spark.features && duck.features) checks.push(check('features: Spark ÷ DuckDB', spark.features.wallSeconds / duck.features.wallSeconds, '×'));
        checks.push(check('prepare on DuckDB', data.rows / duck.prepare.wallSeconds, 'rows/s'));
      }
      checks.push(check('prepare on Spark', data.rows / spark.prepare.wallSeconds, 'rows/s'));
      return {
        stage: 'spark',
        params: { ...params, rows: data.rows, files: data.files.length, bytes: data.bytes, repeat: ctx.repeat, engine: engine.replace(/;token=[^;]*/, ';token=***'), startedServer: server !== undefined },
        reference: duck ? 'prepare on duckdb' : 'prepare on spark',
        rows,
        checks,
        notes: [
          'our prepare does more than the peer’s cleaning (exact account, quarantine, line numbers, dedup against the lake, atomic commits): the Spark ÷ PySpark ratio bounds the client’s overhead from above',
          ...(ctx.keep ? [`outputs kept in ${runDir}`] : []),
        ],
        details,
      };
    } finally {
      await server?.stop();
      // The server's scratch and warehouse (its temporary tables) are the run's, not a cache.
      if (serverDir) await rm(serverDir, { recursive: true, force: true });
      if (!ctx.keep) await rm(runDir, { recursive: true, force: true });
    }
  },
};

async function runCli(ctx: BenchContext, args: string[]): Promise<Measurement> {
  return measureOrThrow(ctx, `fraudops ${args[0]}`, process.execPath, [cliPath(ctx.root), ...args], 'self');
}

/** RSS is the client's (ours: the process; PySpark: python and its children); the server's is in neither. */
async function measureOrThrow(ctx: BenchContext, what: string, command: string, args: string[], rss: 'self' | 'tree' = 'tree'): Promise<Measurement> {
  ctx.log(`  ${what}: ${args.filter((a) => !a.startsWith('sc://')).slice(0, 6).join(' ')}…`);
  // With FRAUDOPS_SPARK_PROFILE set, the stages' per-statement times (on their stderr) are shown as they come.
  const m = await measureCommand(command, args, { cwd: ctx.root, rss, signal: ctx.signal, echoStderr: Boolean(process.env.FRAUDOPS_SPARK_PROFILE) });
  if (m.exitCode !== 0) throw new Error(`${what} exited with ${m.exitCode}:\n${m.stderrTail.slice(-4000)}`);
  return m;
}

/** The days of the generated files (`YYYY-MM-DD.txt`), in order. */
function dayRange(files: string[]): string[] {
  return files.map((f) => /(\d{4}-\d{2}-\d{2})\.txt$/.exec(f)?.[1]).filter((d): d is string => d !== undefined).sort();
}
