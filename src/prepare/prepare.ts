/**
 * The preparation stage: raw daily transaction files → cleaned, deduplicated Parquet lake, with an exact
 * account of every row. Each new raw file is one atomic commit: its Parquet parts and quarantine file are
 * uploaded first, then a commit record is published with create-only semantics. A run killed at any point leaves
 * only unreferenced objects behind, which the next run deletes before it starts, so rerunning always yields the
 * lake one clean run would have produced.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, createWriteStream, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { once } from 'node:events';
import { FraudopsError, InputError, LakeError, StorageError } from '../errors.js';
import { RAW_COLUMNS, FIX_RULES, FLAGS, QUARANTINE_REASONS, type QuarantineReason } from '../quality.js';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import { sqlString, sqlStringList, type SqlEngine } from '../engine/SqlEngine.js';
import type { ObjectInfo, ObjectStore } from '../storage/ObjectStore.js';
import { openStore } from '../storage/openStore.js';
import { CommitLog, COMMIT_FORMAT, type CommitPart, type CommitRecord } from '../lake/CommitLog.js';
import { writeLastRun } from '../lake/LastRun.js';
import { QUARANTINE_PREFIX, TRANSACTIONS_PREFIX, quarantinePartKey, transactionsPartKey } from '../lake/layout.js';
import { LineNormalizer, type StructuralReject } from './LineNormalizer.js';
import { BatchSpool, spoolRoot } from './BatchSpool.js';
import { failpoint } from '../util/failpoint.js';
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
  engine?: 'duckdb';
  /** Scratch directory for staging Parquet and the engine's spill files. Default: the OS temp dir. */
  workDir?: string;
  /** Engine memory cap, e.g. '2GB'. */
  memoryLimit?: string;
  threads?: number;
  /** Where remote lake parts are cached for deduplication reads. Default: <workDir>/cache. */
  cacheDir?: string;
  /** Opened stores (tests and the scheduler reuse connections); otherwise opened from the URIs. */
  rawStore?: ObjectStore;
  lakeStore?: ObjectStore;
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

export async function prepare(options: PrepareOptions): Promise<QualityReport> {
  const started = Date.now();
  const signal = options.signal;
  const rawStore = options.rawStore ?? (await openStore(options.raw));
  const lakeStore = options.lakeStore ?? (await openStore(options.lake));
  const workRoot = options.workDir ?? tmpdir();
  removeDeadWorkDirs(workRoot);
  removeDeadWorkDirs(spoolRoot(workRoot));
  const work = realpathSync(mkdtempSync(join(workRoot, `${WORK_DIR_PREFIX}${process.pid}-`)));
  let engine: SqlEngine | undefined;
  try {
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
    await removeUncommitted(lakeStore, log, signal);
    const candidates = (await rawStore.list('', signal)).filter((o) => RAW_FILE_PATTERN.test(o.key));
    if (candidates.length === 0 && rawStore.uri.startsWith('file:') && !existsSync(fileURLToPath(rawStore.uri))) {
      // An empty inbox is normal; a raw directory that does not exist is almost always a typo.
      throw new StorageError('RAW_NOT_FOUND', `raw directory ${fileURLToPath(rawStore.uri)} does not exist`, { context: { uri: rawStore.uri } });
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
      engine = await DuckDbEngine.create({
        memoryLimit: options.memoryLimit ?? '1GB',
        tempDir: join(work, 'spill'),
        threads: options.threads,
      });
    }
    const ctx = engine && {
      rawStore,
      lakeStore,
      engine,
      log,
      work,
      cacheDir: options.cacheDir ?? join(work, 'cache'),
      signal,
    };
    for (let i = 0; i < todo.length; i++) {
      signal?.throwIfAborted();
      const info = todo[i];
      try {
        const fileReport = await prepareFile(
          ctx!,
          info,
          (bytesRead, rows) =>
            options.onProgress?.({ file: info.key, fileIndex: i, fileCount: todo.length, bytesRead, bytesTotal: info.size, rows }),
        );
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
    await engine?.close();
    rmSync(work, { recursive: true, force: true });
    if (!options.rawStore) await rawStore.close();
    if (!options.lakeStore) await lakeStore.close();
  }
}

const WORK_DIR_PREFIX = 'fraudops-prepare-';

/** Scratch directories of earlier runs whose process is gone (killed runs never clean up after themselves). */
function removeDeadWorkDirs(root: string): void {
  let entries: string[] = [];
  try {
    entries = readdirSync(root).filter((e) => e.startsWith(WORK_DIR_PREFIX));
  } catch {
    return;
  }
  for (const e of entries) {
    const pid = Number(e.slice(WORK_DIR_PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(join(root, e), { recursive: true, force: true });
    }
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

/** Deletes parts and quarantine files that no commit references: leftovers of a run that died before committing. */
async function removeUncommitted(lake: ObjectStore, log: CommitLog, signal?: AbortSignal): Promise<void> {
  const referenced = log.referencedKeys();
  const stale: string[] = [];
  for (const prefix of [TRANSACTIONS_PREFIX, QUARANTINE_PREFIX]) {
    for (const o of await lake.list(prefix, signal)) if (!referenced.has(o.key)) stale.push(o.key);
  }
  if (stale.length > 0) await lake.delete(stale, signal);
}

interface FileContext {
  rawStore: ObjectStore;
  lakeStore: ObjectStore;
  engine: SqlEngine;
  log: CommitLog;
  work: string;
  cacheDir: string;
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
    if (!balances(account)) {
      throw new LakeError('ACCOUNT_MISMATCH', `${info.key}: row account does not balance (${JSON.stringify(account)})`, {
        context: { file: info.key },
      });
    }
    const outDir = join(dir, 'out');
    const parts = await writeParts(ctx, info.key, seq, outDir);
    failpoint('prepare.after-parts');
    const quarantine = await writeQuarantine(ctx, info.key, seq, dir, rejectsPath, load.structural.count, account.quarantinedTotal);
    const record: CommitRecord = {
      format: COMMIT_FORMAT,
      seq,
      committedAt: new Date().toISOString(),
      raw: { key: info.key, rawUri: ctx.rawStore.uri, size: info.size, etag: info.etag, sha256: load.sha256 },
      parts,
      ...(quarantine ? { quarantine } : {}),
      account,
    };
    signal?.throwIfAborted();
    failpoint('prepare.before-commit');
    await log.append(record, signal);
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
    ctx.engine.run(cleaning.insertStagedSql(readForwardedSql(paths))),
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
    await spool.end();
    progress(bytesRead, normalizer.rows);
  } finally {
    source?.close();
    await spool.discard();
    await closeStream(rejects);
  }
  return { normalizer, structural, sha256: hash.digest('hex') };
}

function rejectJson(file: string, r: StructuralReject): string {
  const text = r.reason === 'not_text' ? null : r.raw.toString('utf8');
  return JSON.stringify({ file, line: r.line, reason: r.reason, raw: text, raw_base64: text === null ? r.raw.toString('base64') : null });
}

function readForwardedSql(paths: string[]): string {
  const columns = [`'line': 'BIGINT'`, `'digit_mask': 'INTEGER'`, ...RAW_COLUMNS.map((c) => `'${cleaning.rawCol(c)}': 'VARCHAR'`)].join(', ');
  return `SELECT * FROM read_csv(${sqlStringList(paths)}, columns = {${columns}}, header = false, delim = ',', quote = '', escape = '', auto_detect = false, new_line = '\\n')`;
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
  const raw = await store.read(info.key, { signal });
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
  let parquetList: string | undefined;
  if (parts.length > 0) {
    const values = parts.map((p) => `(${sqlString(p.key)}, ${p.minId}, ${p.maxId})`).join(', ');
    const keys = (await engine.query<{ key: string }>(cleaning.candidatePartsSql(values))).map((r) => r.key).sort();
    if (keys.length > 0) {
      const paths: string[] = [];
      for (const key of keys) paths.push(await ctx.lakeStore.localPath(key, ctx.cacheDir, ctx.signal));
      parquetList = sqlStringList(paths);
    }
  }
  await engine.run(cleaning.lakeIdsSql(parquetList));
  await engine.run(cleaning.DUPLICATES_SQL);
  const [c] = await engine.query<Record<string, bigint>>(cleaning.ACCOUNT_SQL);
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

/** Writes the kept rows as zstd Parquet partitioned by day and uploads them; returns the commit's parts. */
async function writeParts(ctx: FileContext, file: string, seq: number, outDir: string): Promise<CommitPart[]> {
  const { engine } = ctx;
  await engine.run(
    `COPY (${cleaning.keptSelectSql(file)}) TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (day), OVERWRITE_OR_IGNORE true)`,
  );
  const parts: CommitPart[] = [];
  let dayDirs: string[] = [];
  try {
    dayDirs = readdirSync(outDir).filter((d) => d.startsWith('day=')).sort();
  } catch {
    return parts; // nothing kept
  }
  for (const dayDir of dayDirs) {
    const day = dayDir.slice('day='.length);
    const files = readdirSync(join(outDir, dayDir)).filter((f) => f.endsWith('.parquet')).sort();
    if (files.length !== 1) {
      throw new LakeError('ENGINE_OUTPUT', `${file}: expected one Parquet file for day ${day}, engine wrote ${files.length}`, { context: { file } });
    }
    const local = join(outDir, dayDir, files[0]);
    const [stats] = await engine.query<{ rows: bigint; min_id: bigint; max_id: bigint }>(
      `SELECT count(*) AS rows, min(transaction_id) AS min_id, max(transaction_id) AS max_id FROM read_parquet(${sqlString(local)})`,
    );
    const key = transactionsPartKey(day, seq, file);
    await ctx.lakeStore.writeFile(key, local, { signal: ctx.signal });
    failpoint('prepare.after-part-upload');
    parts.push({ key, day, rows: Number(stats.rows), minId: Number(stats.min_id), maxId: Number(stats.max_id) });
  }
  return parts;
}

/** Writes all rejected lines of the file, in line order, as one JSON-lines object in the lake. */
async function writeQuarantine(
  ctx: FileContext,
  file: string,
  seq: number,
  dir: string,
  structuralPath: string,
  structuralCount: number,
  total: number,
): Promise<{ key: string; rows: number } | undefined> {
  if (total === 0) return undefined;
  const semantic = `SELECT ${sqlString(file)} AS file, line, reason, raw_line AS raw, CAST(NULL AS VARCHAR) AS raw_base64 FROM staged WHERE reason IS NOT NULL`;
  const structural = `SELECT file, line, reason, raw, raw_base64 FROM read_json(${sqlString(structuralPath)}, format = 'newline_delimited', columns = {'file': 'VARCHAR', 'line': 'BIGINT', 'reason': 'VARCHAR', 'raw': 'VARCHAR', 'raw_base64': 'VARCHAR'})`;
  const union = structuralCount > 0 ? `${semantic} UNION ALL ${structural}` : semantic;
  const local = join(dir, 'quarantine.jsonl');
  await ctx.engine.run(`COPY (SELECT * FROM (${union}) ORDER BY line) TO ${sqlString(local)} (FORMAT json)`);
  const key = quarantinePartKey(seq, file);
  await ctx.lakeStore.writeFile(key, local, { contentType: 'application/x-ndjson', signal: ctx.signal });
  return { key, rows: total };
}
