/**
 * The preparation stage: raw daily transaction files → cleaned, deduplicated Parquet lake, with an exact
 * account of every row. Each new raw file is one atomic commit: its Parquet parts and quarantine file are
 * uploaded first, then a commit record is published with create-only semantics. One writer at a time holds the
 * lake (WriterLease): a second one fails with LAKE_CONFLICT before touching anything, and a holder that lost its
 * lease commits nothing more. A run killed at any point leaves only unreferenced objects behind, which the next
 * writer deletes before it starts (only those of earlier, dead writers), so rerunning always yields the lake one
 * clean run would have produced.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync, createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { once } from 'node:events';
import { ConfigError, FraudopsError, InputError, LakeError, StorageError } from '../errors.js';
import { RAW_COLUMNS, FIX_RULES, FLAGS, QUARANTINE_REASONS, type QuarantineReason } from '../quality.js';
import { engineFactory } from '../engine/openEngine.js';
import { withContext, type StageContext } from '../stage/StageContext.js';
import { sqlString, type EngineFactory, type SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';
import { syncDeltaLog } from '../lake/delta/deltaLog.js';
import { CommitLog, COMMIT_FORMAT, type CommitPart, type CommitRecord } from '../lake/CommitLog.js';
import { writeLastRun } from './LastRun.js';
import { QUARANTINE_PREFIX, TRANSACTIONS_PREFIX, quarantinePartKey, transactionsPartKey, writerEpochOf } from '../lake/layout.js';
import { WriterLease } from '../lake/WriterLease.js';
import { LineNormalizer, type StructuralReject } from './LineNormalizer.js';
import { BatchSpool, spoolRoot } from './BatchSpool.js';
import { failpoint } from '../util/failpoint.js';
import { processIsGone } from '../util/processes.js';
import * as cleaning from './cleaningSql.js';
import {
  addAccount,
  balances,
  emptyAccount,
  type ChangedFile,
  type FileAccount,
  type FileReport,
  type QualityReport,
} from './report.js';

/** Raw files are daily text files, optionally gzip-compressed; anything else under the raw root is ignored. */
export const RAW_FILE_PATTERN = /(^|\/)[^_./][^/]*\.(txt|csv)(\.gz)?$/i;

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
  let lease: WriterLease | undefined;
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
    const listed = await rawStore.list(source.only ?? '', signal);
    const candidates = listed.filter((o) => (source.only ? o.key === source.only : RAW_FILE_PATTERN.test(o.key)));
    if (candidates.length === 0 && source.only) {
      throw new StorageError('RAW_NOT_FOUND', `raw file ${source.only} in ${rawStore.uri} does not exist`, { context: { uri: rawStore.uri, key: source.only } });
    }
    if (listed.length === 0 && !(rawStore.uri.startsWith('file:') && existsSync(fileURLToPath(rawStore.uri)))) {
      // An empty inbox directory is normal; a directory that does not exist, or an S3 prefix that holds nothing at
      // all (S3 has no empty directories), is almost always a typo.
      const where = rawStore.uri.startsWith('file:') ? `raw directory ${fileURLToPath(rawStore.uri)} does not exist` : `nothing is stored under ${rawStore.uri}`;
      throw new StorageError('RAW_NOT_FOUND', `${where}; check --raw`, { context: { uri: rawStore.uri } });
    }
    const ledger = log.ledger();
    const todo: ObjectInfo[] = [];
    for (const info of candidates) {
      const done = ledger.get(info.key);
      if (!done) todo.push(info);
      else if (await sameContent(rawStore, info, done, signal)) report.alreadyProcessed++;
      else report.changed.push(changedEntry(info, done));
    }
    if (todo.length > 0) {
      engine = await (options.engines ?? engineFactory(options.engine))({
        workDir: join(work, 'engine'),
        memoryLimit: options.memoryLimit ?? '1GB',
        threads: options.threads,
      });
    }
    const fileCtx = engine && {
      rawStore,
      lakeStore,
      engine,
      log,
      lease,
      maxRejectRatio,
      work,
      signal,
    };
    for (let i = 0; i < todo.length; i++) {
      signal?.throwIfAborted();
      const info = todo[i];
      try {
        const fileReport = await prepareFile(fileCtx!, info, (bytesRead, rows) => {
          options.onProgress?.({ file: info.key, fileIndex: i, fileCount: todo.length, bytesRead, bytesTotal: info.size, rows });
          ctx?.emit({
            type: 'progress',
            stage: 'prepare',
            message: `[${i + 1}/${todo.length}] ${info.key}: ${(bytesRead / 1e6).toFixed(0)}/${(info.size / 1e6).toFixed(0)} MB, ${rows.toLocaleString('en-US')} rows`,
            done: bytesRead,
            total: info.size,
            unit: 'bytes',
          });
        });
        report.files++;
        report.perFile.push(fileReport);
        addAccount(report, fileReport);
      } catch (e) {
        if (!isFileLevelProblem(e)) throw e;
        report.errors.push({ file: info.key, code: e.code, message: e.message, line: numberOrUndefined(e.context.line) });
      }
    }
    report.ok = report.errors.length === 0 && report.changed.length === 0;
    report.durationMs = Date.now() - started;
    await writeLastRun(lakeStore, report, signal);
    return report;
  } finally {
    await lease?.release();
    await engine?.close();
    rmSync(work, { recursive: true, force: true });
    if (ownRaw) await rawStore.close();
    if (ownLake) await lakeStore.close();
  }
}

const WORK_DIR_PREFIX = 'fraudops-prepare-';
export const DEFAULT_MAX_REJECT_RATIO = 0.5;

/** A local `--raw` naming one file means that file alone: the store is its directory, limited to its key. */
function rawSource(raw: string): { uri: string; only?: string } {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) && !raw.startsWith('file:')) return { uri: raw };
  const path = raw.startsWith('file:') ? fileURLToPath(raw) : raw;
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    /* missing: reported as RAW_NOT_FOUND once listed */
  }
  return isFile ? { uri: dirname(realpathSync(path)), only: basename(realpathSync(path)) } : { uri: raw };
}

/**
 * Raw and lake must not contain each other: start-up cleanup deletes unreferenced objects under the lake, and a
 * lake inside raw would be read back as raw input. Checked before anything is touched.
 */
function refuseOverlap(rawUri: string, lakeUri: string): void {
  const norm = (uri: string): string => {
    if (!uri.startsWith('file:')) return uri.replace(/\/+$/, '');
    const p = fileURLToPath(uri);
    let real = p;
    // Resolve what exists (the lake may not yet), so symlinked paths compare by where they really are.
    for (let head = p, tail = ''; ; ) {
      try {
        real = join(realpathSync(head), tail);
        break;
      } catch {
        const up = dirname(head);
        if (up === head) break;
        tail = join(basename(head), tail);
        head = up;
      }
    }
    return `file://${real.replace(/\/+$/, '')}`;
  };
  const a = norm(rawUri);
  const b = norm(lakeUri);
  const inside = (x: string, y: string): boolean => {
    if (x === y) return true;
    if (x.startsWith('file://') && y.startsWith('file://')) {
      const rel = relative(y.slice(7), x.slice(7));
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    }
    return x.startsWith(`${y}/`);
  };
  if (inside(a, b) || inside(b, a)) {
    throw new ConfigError(
      `--raw ${rawUri} and --lake ${lakeUri} overlap (one is inside the other); the lake's clean-up would delete raw files, or lake files would be read as raw. Use separate locations`,
      { context: { field: 'raw', raw: rawUri, lake: lakeUri } },
    );
  }
}

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

function changedEntry(info: ObjectInfo, done: CommitRecord): ChangedFile {
  return {
    file: info.key,
    processed: { size: done.raw.size, etag: done.raw.etag, sha256: done.raw.sha256, commitSeq: done.seq },
    now: { size: info.size, etag: info.etag },
  };
}

/** Same size and etag means unchanged; a new etag with the same size is settled by the content hash. */
async function sameContent(store: ObjectStore, info: ObjectInfo, done: CommitRecord, signal?: AbortSignal): Promise<boolean> {
  if (info.size !== done.raw.size) return false;
  if (info.etag === done.raw.etag) return true;
  const hash = createHash('sha256');
  for await (const chunk of await store.read(info.key, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex') === done.raw.sha256;
}

/**
 * Deletes parts and quarantine files that no commit references and that earlier writers wrote: leftovers of runs
 * that died (or were fenced) before committing. Every earlier epoch's writer is gone: this one holds the lease.
 */
async function removeUncommitted(lake: ObjectStore, log: CommitLog, epoch: number, signal?: AbortSignal): Promise<void> {
  const referenced = log.referencedKeys();
  const stale: string[] = [];
  for (const prefix of [TRANSACTIONS_PREFIX, QUARANTINE_PREFIX]) {
    for (const o of await lake.list(prefix, signal)) if (!referenced.has(o.key) && writerEpochOf(o.key) < epoch) stale.push(o.key);
  }
  if (stale.length > 0) await lake.delete(stale, signal);
}

interface FileContext {
  rawStore: ObjectStore;
  lakeStore: ObjectStore;
  engine: SqlEngine;
  log: CommitLog;
  lease: WriterLease;
  maxRejectRatio: number;
  work: string;
  signal?: AbortSignal;
}

async function prepareFile(ctx: FileContext, info: ObjectInfo, progress: (bytes: number, rows: number) => void): Promise<FileReport> {
  const { engine, log, signal } = ctx;
  const seq = log.nextSeq;
  const dir = join(ctx.work, `file-${seq}`);
  mkdirSync(dir, { recursive: true });
  try {
    const rejectsPath = join(dir, 'structural.jsonl');
    const load = await loadIntoStaged(ctx, info, dir, rejectsPath, progress);
    const account = await accountAndDedup(ctx, info.key, load.normalizer, load.structural);
    if (account.rowsIn > 0 && account.quarantinedTotal / account.rowsIn > ctx.maxRejectRatio) {
      const top = Object.entries(account.quarantined).sort((a, b) => b[1] - a[1])[0];
      throw new InputError(
        'TOO_MANY_REJECTS',
        `${info.key}: ${account.quarantinedTotal} of ${account.rowsIn} rows would be quarantined (${((100 * account.quarantinedTotal) / account.rowsIn).toFixed(1)}%, most as ${top[0]}), above --max-reject-ratio ${ctx.maxRejectRatio}; the file was not committed`,
        { context: { file: info.key, rejected: account.quarantinedTotal, rows: account.rowsIn, reason: top[0] } },
      );
    }
    if (!balances(account)) {
      throw new LakeError('ACCOUNT_MISMATCH', `${info.key}: row account does not balance (${JSON.stringify(account)})`, {
        context: { file: info.key },
      });
    }
    const parts = await writeParts(ctx, info.key, seq);
    failpoint('prepare.after-parts');
    const quarantine = await writeQuarantine(ctx, info.key, seq, rejectsPath, load.structural.count, account.quarantinedTotal);
    const record: CommitRecord = {
      format: COMMIT_FORMAT,
      seq,
      committedAt: new Date().toISOString(),
      raw: { key: info.key, rawUri: ctx.rawStore.uri, size: info.size, etag: info.etag, sha256: load.sha256 },
      parts,
      ...(quarantine ? { quarantine } : {}),
      account,
      writer: { epoch: ctx.lease.epoch },
    };
    signal?.throwIfAborted();
    failpoint('prepare.before-commit');
    await ctx.lease.assertHeld(signal);
    await log.append(record, signal);
    failpoint('prepare.after-commit-before-delta');
    await syncDeltaLog(ctx.lakeStore, log.commits, { signal });
    failpoint('prepare.after-commit');
    return {
      file: info.key,
      headerStyle: load.normalizer.headerStyle!,
      crlfLines: load.normalizer.crlfLines,
      days: parts.map((p) => p.day),
      commitSeq: seq,
      ...account,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await engine.run('DROP TABLE IF EXISTS staged; DROP TABLE IF EXISTS lake_ids; DROP TABLE IF EXISTS dup_lines;').catch(() => undefined);
  }
}

interface StructuralCounts {
  count: number;
  byReason: Map<QuarantineReason, number>;
}

interface LoadResult {
  normalizer: LineNormalizer;
  structural: StructuralCounts;
  sha256: string;
}

/** Streams the raw object through the normalizer into the engine's `staged` table, batch by batch. */
async function loadIntoStaged(
  ctx: FileContext,
  info: ObjectInfo,
  dir: string,
  rejectsPath: string,
  progress: (bytes: number, rows: number) => void,
): Promise<LoadResult> {
  const file = info.key;
  const structural: StructuralCounts = { count: 0, byReason: new Map() };
  const rejects = createWriteStream(rejectsPath);
  const normalizer = new LineNormalizer(file, (r) => {
    structural.count++;
    structural.byReason.set(r.reason, (structural.byReason.get(r.reason) ?? 0) + 1);
    rejects.write(`${rejectJson(file, r)}\n`);
  });
  // Named like the work directories, so a later run removes the spool of a run that was killed.
  const spool = new BatchSpool(join(spoolRoot(ctx.work), `${WORK_DIR_PREFIX}${process.pid}-spool-${basename(dir)}`), (paths) =>
    ctx.engine.stageRows({ columns: cleaning.FORWARDED_COLUMNS, files: paths }, (source) => cleaning.insertStagedSql(ctx.engine.dialect, source, cleaning.fileDay(file))),
  );
  await ctx.engine.run(cleaning.CREATE_STAGED_SQL);
  const hash = createHash('sha256');
  let bytesRead = 0;
  let source: Awaited<ReturnType<typeof openDecoded>> | undefined;
  try {
    source = await openDecoded(
      ctx.rawStore,
      info,
      (chunk) => {
        hash.update(chunk);
        bytesRead += chunk.length;
      },
      ctx.signal,
    );
    let lastReport = 0;
    for await (const chunk of source.chunks) {
      for (const out of normalizer.push(chunk as Buffer)) await spool.write(out);
      // A file of garbage turns into as many rejects as lines: keep their buffer bounded too.
      if (rejects.writableNeedDrain) await once(rejects, 'drain');
      if (bytesRead - lastReport > 8 << 20) {
        lastReport = bytesRead;
        progress(bytesRead, normalizer.rows);
      }
    }
    for (const out of normalizer.finish()) await spool.write(out);
    progress(bytesRead, normalizer.rows);
    await refuseIfChanging(ctx.rawStore, info, bytesRead, ctx.signal);
    await spool.end();
  } finally {
    source?.close();
    await spool.discard();
    await closeStream(rejects);
  }
  return { normalizer, structural, sha256: hash.digest('hex') };
}

/**
 * A file whose size or change token moved while it was read is still being written: it is skipped with
 * FILE_CHANGING (nothing committed, nothing recorded in the ledger) and taken whole by a later run.
 */
async function refuseIfChanging(store: ObjectStore, info: ObjectInfo, bytesRead: number, signal?: AbortSignal): Promise<void> {
  const now = await store.head(info.key, signal);
  if (bytesRead === info.size && now && now.size === info.size && now.etag === info.etag) return;
  throw new InputError(
    'FILE_CHANGING',
    `${info.key}: the file changed while it was read (listed ${info.size} bytes, read ${bytesRead}, now ${now ? `${now.size} bytes` : 'gone'}); it is probably still being written. Skipped: a later run takes it`,
    { context: { file: info.key, listedSize: info.size, readBytes: bytesRead, nowSize: now?.size } },
  );
}

function rejectJson(file: string, r: StructuralReject): string {
  const text = r.reason === 'not_text' ? null : r.raw.toString('utf8');
  return JSON.stringify({ file, line: r.line, reason: r.reason, raw: text, raw_base64: text === null ? r.raw.toString('base64') : null });
}

/**
 * The object's bytes, gunzipped when it is gzip (by name or by magic number). `tap` sees the stored bytes
 * (for the content hash). `close()` releases the underlying stream even when the consumer stopped early.
 */
async function openDecoded(
  store: ObjectStore,
  info: ObjectInfo,
  tap: (chunk: Buffer) => void,
  signal?: AbortSignal,
): Promise<{ chunks: AsyncIterable<Buffer>; close(): void }> {
  let gzip = /\.gz$/i.test(info.key);
  if (!gzip && info.size >= 2) {
    const head: Buffer[] = [];
    for await (const c of await store.read(info.key, { start: 0, end: 1, signal })) head.push(c as Buffer);
    const b = Buffer.concat(head);
    gzip = b[0] === 0x1f && b[1] === 0x8b;
  }
  // Never past the listed size: a file still being appended to is detected afterwards, not half-read.
  const raw = await store.read(info.key, info.size > 0 ? { start: 0, end: info.size - 1, signal } : { signal });
  const tapped = raw.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, cb) {
        tap(chunk);
        cb(null, chunk);
      },
    }),
  );
  raw.on('error', (e) => tapped.destroy(e));
  const gunzip = gzip ? createGunzip() : undefined;
  if (gunzip) tapped.on('error', (e) => gunzip.destroy(e));
  const out: Readable = gunzip ? tapped.pipe(gunzip) : tapped;
  return {
    chunks: gunzip ? gzipGuard(out, info.key) : (out as AsyncIterable<Buffer>),
    close() {
      gunzip?.destroy();
      tapped.destroy();
      raw.destroy();
    },
  };
}

async function* gzipGuard(src: Readable, file: string): AsyncGenerator<Buffer> {
  try {
    for await (const c of src) yield c as Buffer;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_')) {
      throw new InputError('INPUT_BAD_GZIP', `${file}: not a valid gzip stream (${(e as Error).message})`, { context: { file }, cause: e });
    }
    throw e;
  }
}

async function closeStream(s: WriteStream): Promise<void> {
  if (s.closed) return;
  s.end();
  await once(s, 'close').catch(() => undefined);
}

/** Classifies duplicates (against this file and the lake) and returns the file's account. */
async function accountAndDedup(ctx: FileContext, file: string, normalizer: LineNormalizer, structural: StructuralCounts): Promise<FileAccount> {
  const { engine, log } = ctx;
  const parts = log.parts();
  let lakeParts: string | undefined;
  if (parts.length > 0) {
    const values = parts.map((p) => `(${sqlString(p.key)}, ${idRangeSql(p)})`).join(', ');
    const keys = (await engine.query<{ key: string }>(cleaning.candidatePartsSql(values))).map((r) => r.key).sort();
    if (keys.length > 0) lakeParts = await engine.readParquet(ctx.lakeStore, keys, ctx.signal);
  }
  await engine.run(cleaning.lakeIdsSql(lakeParts));
  await engine.run(cleaning.duplicatesSql(engine.dialect));
  const [c] = await engine.query<Record<string, bigint>>(cleaning.accountSql(engine.dialect));
  const reasons = await engine.query<{ reason: QuarantineReason; n: bigint }>(cleaning.REASONS_SQL);
  const account = emptyAccount();
  account.rowsIn = normalizer.rows;
  account.kept = Number(c.kept);
  account.duplicates = Number(c.duplicates);
  account.duplicatesOfLake = Number(c.duplicates_of_lake);
  for (const rule of FIX_RULES) account.fixed[rule] = Number(c[rule]);
  for (const flag of FLAGS) account.flagged[flag] = Number(c[flag]);
  for (const { reason, n } of reasons) account.quarantined[reason] += Number(n);
  for (const [reason, n] of structural.byReason) account.quarantined[reason] += n;
  account.quarantinedTotal = QUARANTINE_REASONS.reduce((s, r) => s + account.quarantined[r], 0);
  if (Number(c.forwarded) !== normalizer.forwarded) {
    throw new LakeError('ACCOUNT_MISMATCH', `${file}: engine read ${String(c.forwarded)} rows, ${normalizer.forwarded} were sent`, {
      context: { file },
    });
  }
  return account;
}

/**
 * A part's id range as two BIGINT SQL values. Ranges are exact decimal strings; lakes written before that hold JS
 * numbers, exact only up to 2^53, so a range beyond that is unknown (NULL) and the part is always read.
 */
function idRangeSql(p: CommitPart): string {
  const bound = (v: string | number): string | undefined => {
    if (typeof v === 'string' && /^-?\d{1,19}$/.test(v)) return `CAST(${sqlString(v)} AS BIGINT)`;
    if (typeof v === 'number' && Number.isSafeInteger(v)) return `CAST(${v} AS BIGINT)`;
    return undefined;
  };
  const lo = bound(p.minId);
  const hi = bound(p.maxId);
  return lo && hi ? `${lo}, ${hi}` : 'CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)';
}

/** Writes the kept rows as zstd Parquet partitioned by day into the lake; returns the commit's parts. */
async function writeParts(ctx: FileContext, file: string, seq: number): Promise<CommitPart[]> {
  const { engine } = ctx;
  const stats = await engine.query<{ day: string; rows: bigint; min_id: bigint; max_id: bigint }>(cleaning.partStatsSql(engine.dialect, file));
  const written = await engine.writePartitionedParquet(cleaning.keptSelectSql(engine.dialect, file), {
    store: ctx.lakeStore,
    partitionBy: 'day',
    keyFor: (day, index) => {
      if (index > 0) throw new LakeError('ENGINE_OUTPUT', `${file}: expected one Parquet file for day ${day}, the engine wrote more`, { context: { file } });
      return transactionsPartKey(day, seq, file, ctx.lease.epoch);
    },
    onObject: () => failpoint('prepare.after-part-upload'),
    signal: ctx.signal,
  });
  const byDay = new Map(stats.map((s) => [String(s.day), s]));
  return written.map(({ key, partition }) => {
    const s = byDay.get(partition!);
    if (!s) throw new LakeError('ENGINE_OUTPUT', `${file}: the engine wrote day ${partition} that holds no kept rows`, { context: { file } });
    return { key, day: partition!, rows: Number(s.rows), minId: String(s.min_id), maxId: String(s.max_id) };
  });
}

/** Writes all rejected lines of the file, in line order, as one JSON-lines object in the lake. */
async function writeQuarantine(
  ctx: FileContext,
  file: string,
  seq: number,
  structuralPath: string,
  structuralCount: number,
  total: number,
): Promise<{ key: string; rows: number } | undefined> {
  if (total === 0) return undefined;
  const semantic = `SELECT ${sqlString(file)} AS file, line, reason, raw_line AS raw, CAST(NULL AS VARCHAR) AS raw_base64 FROM staged WHERE reason IS NOT NULL`;
  let union = semantic;
  if (structuralCount > 0) {
    // The structural rejects were written by this process; the engine reads them like any stored object.
    const scratch = await openStore(dirname(structuralPath));
    const columns = { file: 'VARCHAR', line: 'BIGINT', reason: 'VARCHAR', raw: 'VARCHAR', raw_base64: 'VARCHAR' };
    const structural = await ctx.engine.readJsonLines(scratch, [basename(structuralPath)], columns, ctx.signal);
    union = `${semantic} UNION ALL SELECT file, line, reason, raw, raw_base64 FROM ${structural}`;
  }
  const key = quarantinePartKey(seq, file, ctx.lease.epoch);
  await ctx.engine.writeJsonLines(`SELECT * FROM (${union}) ORDER BY line`, key, { store: ctx.lakeStore, contentType: 'application/x-ndjson', signal: ctx.signal });
  return { key, rows: total };
}
