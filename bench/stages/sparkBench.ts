/**
 * The Spark bench: on the same generated files, `fraudops prepare` and `fraudops features` on DuckDB (embedded) and
 * on a Spark Connect server through our TypeScript client; and the client's overhead on the same work: the
 * course's cleaning run once through our client (bench/peers/ts_connect_prepare.ts) and once through PySpark's
 * Connect client (bench/peers/pyspark_prepare.py --remote), on the same server, the same files, as the same plan.
 * The goal: our client adds less than 10 % over PySpark's. The two outputs are read back through the server and
 * compared (row count and checksums of every column); the bench fails if they differ. The ratio of our prepare
 * to PySpark's cleaning is reported too, but it is not the client's overhead: prepare does far more work.
 *
 * The server: one started for the run (local[2] on loopback) and stopped after, or --engine sc://… for a server
 * both clients can reach (PySpark's client sends a token in plaintext only to `localhost`, see pysparkRemote).
 */
import { mkdtempSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalSparkConnect, type LocalSparkServer } from '../../src/engine/spark/localServer.js';
import { DATA_OPTIONS, dataParams } from '../lib/dataOptions.js';
import { cliPath, ensureGenerated } from '../lib/generatedData.js';
import { measureCommand, type Measurement } from '../lib/measureCommand.js';
import { ensurePySparkConnect, pysparkRemote, type PySpark } from '../lib/pyspark.js';
import { measureRepeated, summarizeRepeats } from '../lib/repeat.js';
import { SparkConnectClient } from '../../src/engine/spark/SparkConnectClient.js';
import { createViewCommand, readRelation, sqlRelation } from '../../src/engine/spark/plans.js';
import { BenchUsageError } from '../lib/options.js';
import { check, type BenchCheck, type BenchContext, type BenchRow, type BenchStage } from '../lib/stage.js';

const GOAL_MAX_OVER_PYSPARK = 1.1;

export const sparkBench: BenchStage = {
  name: 'spark',
  summary: 'prepare and features on DuckDB and on Spark; the course cleaning through our client against PySpark’s, same server (< 1.1×)',
  description:
    'Generates (or reuses) the raw files, then times on them: prepare and features on DuckDB; prepare and features with ' +
    '--engine <the Spark Connect server>; the course’s cleaning through our client (bench/peers/ts_connect_prepare.ts) and ' +
    'through PySpark’s (bench/peers/pyspark_prepare.py --remote), on the same server, alternating which goes first on each ' +
    'repeat, with both outputs read back and compared. Features cover the last 7 days of the data, with their history read ' +
    'from the lake.',
  options: {
    ...DATA_OPTIONS,
    engine: { type: 'string', description: 'a Spark Connect server (sc://host:port[/;token=…]); default: start one for the run', placeholder: '<uri>' },
    'spark-memory': { type: 'string', description: 'driver memory of a server started for the run', default: '4g', placeholder: '<size>' },
    regenerate: { type: 'boolean', description: 'generate the input again even if a matching one is cached' },
    'skip-duckdb': { type: 'boolean', description: 'do not run the DuckDB rows' },
    'skip-pyspark': { type: 'boolean', description: 'do not run the client comparison (PySpark’s client and ours on the course cleaning)' },
    'only-client': { type: 'boolean', description: 'run only the client comparison: the course cleaning through our client and PySpark’s' },
    'skip-features': { type: 'boolean', description: 'time prepare only (features on a large lake take Spark long on local[2])' },
  },
  examples: ['npm run bench -- spark', 'npm run bench -- spark --only-client --repeat 2', 'npm run bench -- spark --rows 2M --days 10', 'npm run bench -- spark --skip-features', 'npm run bench -- spark --engine "$FRAUDOPS_TEST_SPARK_URI" --rows 1M --days 8'],

  async run(ctx) {
    const onlyClient = ctx.options['only-client'] === true;
    if (onlyClient && ctx.options['skip-pyspark'] === true) throw new BenchUsageError('--only-client and --skip-pyspark leave nothing to run');
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
      const duck = onlyClient || ctx.options['skip-duckdb'] === true ? undefined : await stagesOn('duckdb', []);
      const spark = onlyClient ? undefined : await stagesOn('spark', ['--engine', engine]);
      if (ctx.options['skip-pyspark'] !== true) {
        const py = ensurePySparkConnect(ctx.root, ctx.log);
        const pair = await timeClients(ctx, py, engine, data.files, runDir);
        rows.push(
          { name: 'course cleaning, our client', wallSeconds: pair.ours.wallSeconds, peakRssBytes: pair.ours.peakRssBytes, rows: data.rows, bytes: data.bytes, note: 'bench/peers/ts_connect_prepare.ts, our TypeScript Spark Connect client' },
          { name: 'course cleaning, pyspark', wallSeconds: pair.theirs.wallSeconds, peakRssBytes: pair.theirs.peakRssBytes, rows: data.rows, bytes: data.bytes, note: `PySpark ${py.version}’s client, same job, same server` },
        );
        checks.push(
          check('our client ÷ PySpark’s client, same job, same server', pair.ours.wallSeconds / pair.theirs.wallSeconds, '×', { target: GOAL_MAX_OVER_PYSPARK, direction: 'atMost' }),
          check('the same, job only (no session start)', pair.oursJobSeconds / pair.theirsJobSeconds, '×'),
        );
        if (spark) checks.push(check('prepare on Spark (more work) ÷ pyspark course cleaning', spark.prepare.wallSeconds / pair.theirs.wallSeconds, '×'));
        details.pyspark = { version: py.version };
        details.clientRuns = pair.runs;
      }
      if (duck && spark) {
        checks.push(check('prepare: Spark ÷ DuckDB', spark.prepare.wallSeconds / duck.prepare.wallSeconds, '×'));
        if (spark.features && duck.features) checks.push(check('features: Spark ÷ DuckDB', spark.features.wallSeconds / duck.features.wallSeconds, '×'));
        checks.push(check('prepare on DuckDB', data.rows / duck.prepare.wallSeconds, 'rows/s'));
      }
      if (spark) checks.push(check('prepare on Spark', data.rows / spark.prepare.wallSeconds, 'rows/s'));
      return {
        stage: 'spark',
        params: { ...params, rows: data.rows, files: data.files.length, bytes: data.bytes, repeat: ctx.repeat, engine: engine.replace(/;token=[^;]*/, ';token=***'), startedServer: server !== undefined },
        reference: duck ? 'prepare on duckdb' : spark ? 'prepare on spark' : 'course cleaning, pyspark',
        rows,
        checks,
        notes: [
          'the course cleaning is one job (read CSV, dropDuplicates, column fixes, dropna, partitioned zstd Parquet), sent as the same plan by both clients; both outputs were read back and equal (rows and checksums of every column)',
          ...(spark
            ? ['prepare on Spark does more than that job (a line number and classification for every line, quarantine with file and line, dedup against the lake, per-file accounts, size and SHA-256 of every file, atomic commits): its ratio to PySpark is that extra work on the server, not the client’s overhead']
            : []),
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

interface ClientRun {
  first: 'ours' | 'pyspark';
  oursSeconds: number;
  pysparkSeconds: number;
  oursJobSeconds: number;
  pysparkJobSeconds: number;
  output: OutputSummary;
}

/**
 * The course cleaning through our client and through PySpark's, `repeat` times each, alternating which goes first
 * so that neither profits from a warmer server. After each pair both outputs are read back and compared.
 */
async function timeClients(ctx: BenchContext, py: PySpark, engine: string, files: string[], runDir: string) {
  const driver = join(ctx.root, 'bench', 'peers', 'ts_connect_prepare.ts');
  const script = join(ctx.root, 'bench', 'peers', 'pyspark_prepare.py');
  const ours: Measurement[] = [];
  const theirs: Measurement[] = [];
  const runs: ClientRun[] = [];
  for (let i = 0; i < Math.max(1, ctx.repeat); i++) {
    const oursOut = join(runDir, `clean-ours-${i}`);
    const theirsOut = join(runDir, `clean-pyspark-${i}`);
    const runOurs = async () => measureOrThrow(ctx, 'our client, course cleaning', process.execPath, ['--import', 'tsx', driver, '--remote', engine, '--out', oursOut, ...files], 'self');
    const runTheirs = async () => measureOrThrow(ctx, 'pyspark client, course cleaning', py.python, [script, '--remote', pysparkRemote(engine), '--out', theirsOut, ...files]);
    const first = i % 2 === 0 ? 'ours' : 'pyspark';
    let o: Measurement;
    let t: Measurement;
    if (first === 'ours') {
      o = await runOurs();
      t = await runTheirs();
    } else {
      t = await runTheirs();
      o = await runOurs();
    }
    const [a, b] = [await summarizeOutput(engine, oursOut), await summarizeOutput(engine, theirsOut)];
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      throw new Error(`the two clients wrote different outputs for the same job: ours ${JSON.stringify(a)}, PySpark's ${JSON.stringify(b)}`);
    }
    if (!ctx.keep) await Promise.all([rm(oursOut, { recursive: true, force: true }), rm(theirsOut, { recursive: true, force: true })]);
    ctx.log(`  run ${i + 1}: ours ${o.wallSeconds.toFixed(1)} s, PySpark ${t.wallSeconds.toFixed(1)} s (${first === 'ours' ? 'ours' : 'PySpark'} first); outputs equal, ${a.rows} rows`);
    ours.push(o);
    theirs.push(t);
    runs.push({ first, oursSeconds: o.wallSeconds, pysparkSeconds: t.wallSeconds, oursJobSeconds: jobSeconds(o), pysparkJobSeconds: jobSeconds(t), output: a });
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
  return {
    ours: summarizeRepeats(ours),
    theirs: summarizeRepeats(theirs),
    oursJobSeconds: median(runs.map((r) => r.oursJobSeconds)),
    theirsJobSeconds: median(runs.map((r) => r.pysparkJobSeconds)),
    runs,
  };
}

/** The job's own time, from the JSON line both drivers print. */
function jobSeconds(m: Measurement): number {
  const line = m.stdout.trim().split('\n').at(-1) ?? '';
  const job = (JSON.parse(line) as { job_s?: unknown }).job_s;
  if (typeof job !== 'number') throw new Error(`a course-cleaning driver printed no job time: ${line}`);
  return job;
}

interface OutputSummary {
  rows: string;
  idSum: string;
  amountCents: string;
  rowHashSum: string;
}

/** Row count and checksums of a cleaned output, read back through the server: ids, amounts and every column. */
async function summarizeOutput(engine: string, dir: string): Promise<OutputSummary> {
  const spark = await SparkConnectClient.connect(engine);
  try {
    await spark.command(createViewCommand(readRelation('parquet', [dir]), 'cleaned'));
    const t = await spark.collect(
      sqlRelation(
        'SELECT CAST(count(*) AS STRING) AS rows, CAST(sum(transaction_id) AS STRING) AS idSum, ' +
          'CAST(sum(CAST(round(tx_amount * 100) AS BIGINT)) AS STRING) AS amountCents, ' +
          'CAST(sum(CAST(hash(transaction_id, tx_datetime, customer_id, terminal_id, tx_amount, tx_time_seconds, tx_time_days, ' +
          'tx_fraud, tx_fraud_scenario, day) AS BIGINT)) AS STRING) AS rowHashSum FROM cleaned',
      ),
    );
    return t.get(0)!.toJSON() as unknown as OutputSummary;
  } finally {
    await spark.close();
  }
}

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
