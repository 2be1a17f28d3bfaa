/**
 * The preparation stage: raw daily transaction files → cleaned, deduplicated Parquet lake, with an exact
 * account of every row. Each new raw file is one atomic commit: its Parquet parts and quarantine file are
 * uploaded first, then a commit record is published with create-only semantics. One writer at a time holds the
 * lake (WriterLease): a second one fails with LAKE_CONFLICT before touching anything, and a holder that lost its
 * lease commits nothing more. A run killed at any point leaves only unreferenced objects behind, which the next
 * writer deletes before it starts (only those of earlier, dead writers), so rerunning always yields the lake one
 * clean run would have produced.
 */
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError, FraudopsError, InputError, LakeError, StorageError } from '../errors.js';
import { engineFactory } from '../engine/openEngine.js';
import { withContext, type StageContext } from '../stage/StageContext.js';
import type { EngineFactory, SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';
import { syncDeltaLog } from '../lake/delta/deltaLog.js';
import { CommitLog, COMMIT_FORMAT, type CommitRecord } from '../lake/CommitLog.js';
import { WriterLease } from '../lake/WriterLease.js';
import { writeLastRun } from './LastRun.js';
import { spoolRoot } from './BatchSpool.js';
import { failpoint } from '../util/failpoint.js';
import { processIsGone } from '../util/processes.js';
import { inventoryRawFiles, rawSource, refuseOverlap } from './rawFiles.js';
import { stageRawFile, type StagedFile } from './stageRawFile.js';
import { NormalizerThread } from './normalizerThread.js';
import { prepareFilesInEngine, tooManyRejects, type FileOutcome, type InEngineContext } from './prepareInEngine.js';
import { reportWarning, type StageWarning } from '../stage/warnings.js';
import { accountAndDedup } from './dedup.js';
import { commitFile, removeUncommitted, writeParts, writeQuarantine } from './lakeWriter.js';
import { addAccount, balances, emptyAccount, type FileReport, type QualityReport } from './report.js';

export { RAW_FILE_PATTERN } from './rawFiles.js';

export interface PrepareOptions {
  raw: string;
  lake: string;
  /** Engine URI (`duckdb:` default); ignored when `engines` is given. */
  engine?: string;
  /** Opens the SQL engine (a StageContext's factory); default: `openEngine(engine)`. */
  engines?: EngineFactory;
  /** Scratch directory for the spool and the engine's own scratch (spill, cache). Default: the OS temp dir. */
  workDir?: string;
  /** Engine memory cap, e.g. '2GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Opened stores (tests and the scheduler reuse connections); otherwise opened from the URIs. */
  rawStore?: ObjectStore;
  lakeStore?: ObjectStore;
  /**
   * Largest share of a file's rows that may be quarantined (0..1, default 0.5). Above it the file is reported
   * as an error (TOO_MANY_REJECTS) and nothing of it is committed: a file that is mostly garbage is not data.
   */
  maxRejectRatio?: number;
  /** How long the writer lease lasts without renewal. Default: FRAUDOPS_LAKE_LEASE_MS, else 60 s. */
  leaseMs?: number;
  signal?: AbortSignal;
  onProgress?: (p: PrepareProgress) => void;
}

export interface PrepareProgress {
  file: string;
  fileIndex: number;
  fileCount: number;
  bytesRead: number;
  bytesTotal: number;
  rows: number;
}

export async function prepare(options: PrepareOptions, ctx?: StageContext): Promise<QualityReport> {
  options = withContext(options, ctx);
  const started = Date.now();
  const signal = options.signal;
  const maxRejectRatio = options.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO;
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) {
    throw new ConfigError(`--max-reject-ratio must be between 0 and 1, got ${maxRejectRatio}`, { context: { field: 'max-reject-ratio' } });
  }
  const source = options.rawStore ? { uri: options.rawStore.uri, only: undefined } : rawSource(options.raw);
  // Stores come from the caller, else from the context (which closes them), else are opened (and closed) here.
  const ownRaw = !options.rawStore && !ctx;
  const ownLake = !options.lakeStore && !ctx;
  const rawStore = options.rawStore ?? (ctx ? await ctx.store(source.uri) : await openStore(source.uri));
  const lakeStore = options.lakeStore ?? (ctx ? await ctx.store(options.lake) : await openStore(options.lake));
  try {
    refuseOverlap(rawStore.uri, lakeStore.uri);
  } catch (e) {
    if (ownRaw) await rawStore.close();
    if (ownLake) await lakeStore.close();
    throw e;
  }
  const workRoot = options.workDir ?? tmpdir();
  removeDeadWorkDirs(workRoot);
  removeDeadWorkDirs(spoolRoot(workRoot));
  const work = realpathSync(mkdtempSync(join(workRoot, `${WORK_DIR_PREFIX}${process.pid}-`)));
  let engine: SqlEngine | undefined;
  let second: SqlEngine | undefined;
  let lease: WriterLease | undefined;
  // Started at the first large file read through this process, and kept for the others.
  const normalizerThread = new NormalizerThread();
  try {
    lease = await WriterLease.acquire(lakeStore, { ttlMs: options.leaseMs, signal });
    const report: QualityReport = {
      ok: true,
      raw: rawStore.uri,
      lake: lakeStore.uri,
      files: 0,
      alreadyProcessed: 0,
      changed: [],
      errors: [],
      perFile: [],
      durationMs: 0,
      ...emptyAccount(),
    };
    const log = await CommitLog.load(lakeStore, signal);
    await removeUncommitted(lakeStore, log, lease.epoch, signal);
    // Delta versions of commits a killed run published but did not mirror (and of a lake from before Delta).
    await syncDeltaLog(lakeStore, log.commits, { signal });
    const { todo, alreadyProcessed, changed } = await inventoryRawFiles(rawStore, source.only, log.ledger(), signal);
    report.alreadyProcessed = alreadyProcessed;
    report.changed.push(...changed);
    if (todo.length > 0) {
      engine = await (options.engines ?? engineFactory(options.engine))({
        workDir: join(work, 'engine'),
        memoryLimit: options.memoryLimit ?? '1GB',
        threads: options.threads,
      });
    }
    // Files read through this process alternate between two sessions where the engine has them: the next file
    // loads into one while the one before is deduplicated, written and committed through the other.
    if (engine && !engine.readTextLines && engine.openSession && todo.length > 1) second = await engine.openSession();
    const fileCtx = engine && {
      rawStore,
      lakeStore,
      engine,
      log,
      lease,
      maxRejectRatio,
      work,
      signal,
      normalizerThread,
      isFileLevel: isFileLevelProblem,
      warnOnce: onceEach((w: StageWarning) => reportWarning('prepare', w, undefined, ctx)),
    };
    const onProgress = (i: number, bytesRead: number, rows: number) => {
      const info = todo[i];
      options.onProgress?.({ file: info.key, fileIndex: i, fileCount: todo.length, bytesRead, bytesTotal: info.size, rows });
      ctx?.emit({
        type: 'progress',
        stage: 'prepare',
        message: `[${i + 1}/${todo.length}] ${info.key}: ${(bytesRead / 1e6).toFixed(0)}/${(info.size / 1e6).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows`,
        done: bytesRead,
        total: info.size,
        unit: 'bytes',
      });
    };
    const ctxOf = (i: number): FileContext => (second && i % 2 === 1 ? { ...fileCtx!, engine: second } : fileCtx!);
    const record = (outcome: FileOutcome) => {
      if ('error' in outcome) {
        report.errors.push({ file: outcome.file, code: outcome.error.code, message: outcome.error.message, line: numberOrUndefined(outcome.error.context.line) });
        return;
      }
      report.files++;
      report.perFile.push(outcome.report);
      addAccount(report, outcome.report);
    };
    // While the engine finishes a file read through this process (dedup, Parquet, commit), the next one is already
    // read and normalized into a bounded spool: the lexing here overlaps the engine's work instead of waiting for it.
    let ahead: Staging | undefined;
    try {
      for (let i = 0; i < todo.length; ) {
        signal?.throwIfAborted();
        if (engine?.readTextLines && engine.writePartitionedJsonLines) {
          // The engine reads the raw files where they are: every file it can reach, from this one on, in one go.
          const base = i;
          const { outcomes, unreachable } = await prepareFilesInEngine(fileCtx!, todo.slice(i), (j, bytes, rows) => onProgress(base + j, bytes, rows));
          outcomes.forEach(record);
          i += outcomes.length;
          if (!unreachable) continue;
          // It cannot read this one where it is: its rows go through this process.
          fileCtx!.warnOnce(clientPathWarning(engine, rawStore));
        }
        const info = todo[i];
        const index = i++;
        const staging = ahead?.index === index ? ahead : undefined;
        if (ahead !== staging) await ahead?.cancel();
        ahead = undefined;
        const progressOf = (j: number) => (bytesRead: number, rows: number) => onProgress(j, bytesRead, rows);
        const readNext = () => {
          if (!engine!.readTextLines && index + 1 < todo.length) {
            ahead = startStaging(ctxOf(index + 1), todo[index + 1], index + 1, progressOf(index + 1), READ_AHEAD_BATCHES);
            // Its session is free (the file before this one is done): it loads at once.
            if (second) ahead.open();
          }
        };
        try {
          record({ file: info.key, report: await prepareFile(ctxOf(index), info, staging, progressOf(index), readNext) });
        } catch (e) {
          if (!isFileLevelProblem(e)) throw e;
          record({ file: info.key, error: e });
        }
      }
    } finally {
      await ahead?.cancel();
    }
    report.ok = report.errors.length === 0 && report.changed.length === 0;
    report.durationMs = Date.now() - started;
    await writeLastRun(lakeStore, report, signal);
    return report;
  } finally {
    await lease?.release();
    await normalizerThread.close();
    await second?.close();
    await engine?.close();
    rmSync(work, { recursive: true, force: true });
    if (ownRaw) await rawStore.close();
    if (ownLake) await lakeStore.close();
  }
}

const WORK_DIR_PREFIX = 'fraudops-prepare-';
export const DEFAULT_MAX_REJECT_RATIO = 0.5;

/** Scratch directories of earlier runs whose process is gone (killed runs never clean up after themselves). */
function removeDeadWorkDirs(root: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(root).filter((e) => e.startsWith(WORK_DIR_PREFIX));
  } catch {
    return;
  }
  for (const e of entries) {
    if (processIsGone(Number(e.slice(WORK_DIR_PREFIX.length).split('-')[0]))) rmSync(join(root, e), { recursive: true, force: true });
  }
}

/** Problems confined to one raw file: reported, the file is left out, the run goes on. */
function isFileLevelProblem(e: unknown): e is FraudopsError {
  return (
    e instanceof InputError ||
    (e instanceof StorageError && ['OBJECT_NOT_FOUND', 'OBJECT_UNREADABLE', 'ACCESS_DENIED'].includes(e.code))
  );
}

function numberOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

interface FileContext extends InEngineContext {
  work: string;
  /** Where the lines of large files read through this process are normalized. */
  normalizerThread: NormalizerThread;
  /** Tells a warning once per run, however many files it concerns. */
  warnOnce(w: StageWarning): void;
}

function onceEach(report: (w: StageWarning) => void): (w: StageWarning) => void {
  const told = new Set<string>();
  return (w) => {
    if (told.has(w.code)) return;
    told.add(w.code);
    report(w);
  };
}

/** Said when an engine that reads raw files itself cannot reach them, so their rows go through this process. */
function clientPathWarning(engine: SqlEngine, raw: ObjectStore): StageWarning {
  return {
    code: 'RAW_THROUGH_CLIENT',
    message: `the ${engine.name} engine cannot read ${raw.uri} where it is (a local path its server does not see, or gzip under a name without .gz): those raw rows are sent to it through this process, which is much slower. Put raw files on s3:// or a file system the server shares`,
  };
}

/** Stored bytes from which a file's lines are normalized on the worker thread: a smaller file is not worth its messages. */
const THREAD_MIN_BYTES = 4 << 20;

/** Batches of the next file normalized ahead while the engine finishes the current one (8 MB each). */
const READ_AHEAD_BATCHES = 8;

/**
 * One raw file being read, normalized and loaded through this process (`stageRawFile`), possibly started before
 * the engine is free for it: it loads nothing until `open()`. `cancel()` stops it if it is still running, waits
 * until it has let go of its spool, and removes its scratch files.
 */
interface Staging {
  index: number;
  rejectsPath: string;
  result: Promise<StagedFile>;
  open(): void;
  cancel(): Promise<void>;
}

function startStaging(ctx: FileContext, info: ObjectInfo, index: number, progress: (bytes: number, rows: number) => void, readAhead?: number): Staging {
  const dir = join(ctx.work, `stage-${index}`);
  mkdirSync(dir, { recursive: true });
  const rejectsPath = join(dir, 'structural.jsonl');
  const stop = new AbortController();
  let open!: () => void;
  let refuse!: (e: unknown) => void;
  const engineReady = new Promise<void>((resolve, reject) => {
    open = resolve;
    refuse = reject;
  });
  engineReady.catch(() => undefined);
  const result = stageRawFile({
    rawStore: ctx.rawStore,
    engine: ctx.engine,
    info,
    rejectsPath,
    // Named like the work directories, so a later run removes the spool of a run that was killed.
    spoolDir: join(spoolRoot(ctx.work), `${WORK_DIR_PREFIX}${process.pid}-spool-${basename(ctx.work)}-${index}`),
    engineReady,
    readAhead,
    normalizerThread: info.size >= THREAD_MIN_BYTES ? ctx.normalizerThread : undefined,
    signal: ctx.signal ? AbortSignal.any([ctx.signal, stop.signal]) : stop.signal,
    progress,
  });
  let settled = false;
  // Awaited by prepareFile or settled by cancel(): never an unhandled rejection in between.
  result.then(
    () => (settled = true),
    () => (settled = true),
  );
  return {
    index,
    rejectsPath,
    result,
    open,
    async cancel() {
      if (!settled) {
        const reason = new Error('staging cancelled');
        refuse(reason);
        stop.abort(reason);
        await result.catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One file through this process (the normalizer streams its bytes into the engine), staged, accounted, committed.
 * `staging` is the file already being read ahead, if it is; `onStaged` is told once its rows are all in the engine.
 */
async function prepareFile(
  ctx: FileContext,
  info: ObjectInfo,
  staging: Staging | undefined,
  progress: (bytes: number, rows: number) => void,
  onStaged: () => void,
): Promise<FileReport> {
  const { engine, log } = ctx;
  const seq = log.nextSeq;
  const own = staging ?? startStaging(ctx, info, -1, progress);
  try {
    own.open();
    const staged = await own.result;
    onStaged();
    const { account, days } = await accountAndDedup(ctx, info.key, staged);
    if (account.rowsIn > 0 && account.quarantinedTotal / account.rowsIn > ctx.maxRejectRatio) throw tooManyRejects(info.key, account, ctx.maxRejectRatio);
    if (!balances(account)) {
      throw new LakeError('ACCOUNT_MISMATCH', `${info.key}: row account does not balance (${JSON.stringify(account)})`, {
        context: { file: info.key },
      });
    }
    const parts = await writeParts(ctx, info.key, seq, days);
    failpoint('prepare.after-parts');
    const quarantine = await writeQuarantine(ctx, info.key, seq, { path: own.rejectsPath, count: staged.structural.count }, account.quarantinedTotal);
    const record: CommitRecord = {
      format: COMMIT_FORMAT,
      seq,
      committedAt: new Date().toISOString(),
      raw: { key: info.key, rawUri: ctx.rawStore.uri, size: info.size, etag: info.etag, sha256: staged.sha256 },
      parts,
      ...(quarantine ? { quarantine } : {}),
      account,
      writer: { epoch: ctx.lease.epoch },
    };
    await commitFile(ctx, log, record);
    return {
      file: info.key,
      headerStyle: staged.headerStyle,
      crlfLines: staged.crlfLines,
      days: parts.map((p) => p.day),
      commitSeq: seq,
      ...account,
    };
  } finally {
    await own.cancel();
    await engine.run('DROP TABLE IF EXISTS staged; DROP TABLE IF EXISTS staged_text; DROP TABLE IF EXISTS lake_ids; DROP TABLE IF EXISTS dup_lines; DROP TABLE IF EXISTS raw_lines;').catch(() => undefined);
  }
}
