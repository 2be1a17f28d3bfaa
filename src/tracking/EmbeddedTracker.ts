/**
 * The server-less tracker: experiments, runs and the model registry kept as plain files under one directory,
 * for laptops, CI and tests. Every whole-file write is atomic (temp + rename), names and versions are claimed
 * with exclusive creates, and metric points are appended as JSON lines. Layout:
 *
 *   <root>/experiments/<id>.json            experiment
 *   <root>/experiment-names/<enc name>      the id, claimed exclusively (makes getOrCreate race-free)
 *   <root>/runs/<runId>/run.json            info, params, tags
 *   <root>/runs/<runId>/metrics.jsonl       one metric point per line
 *   <root>/runs/<runId>/artifacts/...       artifact files, as logged
 *   <root>/models/<enc name>/model.json     registered model (with its aliases)
 *   <root>/models/<enc name>/versions/<n>.json
 *
 * Read-modify-write of one run or model is serialised within a process; two processes updating the same run's
 * tags at the same instant is last-writer-wins (appends and creates stay safe).
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ArtifactBody, KeyValue, NormalizedCreateRun, NormalizedCreateVersion } from './BaseTracker.js';
import { BaseTracker } from './BaseTracker.js';
import type {
  ArtifactInfo,
  Experiment,
  Metric,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
} from './Tracker.js';
import { TrackingCodes, TrackingError, invalid, notFound } from './TrackingError.js';
import { TMP_PREFIX } from '../storage/atomicFile.js';
import { KeyedLock, copyFileAtomic, createFileExclusive, readJson, writeFileAtomic, writeJsonAtomic } from './atomicFiles.js';
import { compareRuns, compileRunFilter } from './runFilter.js';

interface RunRecord {
  info: RunInfo;
  params: Record<string, string>;
  tags: Record<string, string>;
}

interface ModelRecord extends Omit<RegisteredModel, 'aliases'> {
  aliases: Record<string, string>;
}

type VersionRecord = Omit<ModelVersion, 'aliases'>;

const enc = (name: string): string => encodeURIComponent(name).replace(/\./g, '%2E');

export class EmbeddedTracker extends BaseTracker {
  readonly uri: string;
  private readonly lock = new KeyedLock();

  private constructor(readonly root: string) {
    super();
    this.uri = pathToFileURL(root).href;
  }

  /** Opens (creating if needed) a store rooted at `root`. */
  static async create(root: string): Promise<EmbeddedTracker> {
    const abs = resolve(root);
    for (const d of ['experiments', 'experiment-names', 'runs', 'models']) await mkdir(join(abs, d), { recursive: true });
    return new EmbeddedTracker(abs);
  }

  async close(): Promise<void> {}

  // ---- experiments

  protected async doGetExperimentByName(name: string): Promise<Experiment | undefined> {
    const id = await readFile(join(this.root, 'experiment-names', enc(name)), 'utf8').catch(() => undefined);
    return id === undefined ? undefined : this.doGetExperiment(id.trim());
  }

  protected async doCreateExperiment(name: string, tags: KeyValue[]): Promise<Experiment> {
    const ids = (await readdir(join(this.root, 'experiments'))).map((f) => Number.parseInt(f, 10)).filter(Number.isFinite);
    for (let id = Math.max(0, ...ids) + 1; ; id++) {
      const experiment: Experiment = {
        experimentId: String(id),
        name,
        artifactLocation: pathToFileURL(join(this.root, 'runs')).href,
        lifecycleStage: 'active',
        tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      };
      const file = join(this.root, 'experiments', `${id}.json`);
      if (!(await createFileExclusive(file, JSON.stringify(experiment, null, 2)))) continue;
      if (await createFileExclusive(join(this.root, 'experiment-names', enc(name)), String(id))) return experiment;
      // Lost the name to a concurrent creator: retire our id so the name index stays the single truth.
      await writeJsonAtomic(file, { ...experiment, lifecycleStage: 'deleted' });
      throw new TrackingError(TrackingCodes.ALREADY_EXISTS, `experiment '${name}' already exists`, { context: { name } });
    }
  }

  protected async doGetExperiment(experimentId: string): Promise<Experiment> {
    const e = /^\d+$/.test(experimentId) ? await readJson<Experiment>(join(this.root, 'experiments', `${experimentId}.json`)) : undefined;
    if (!e) throw notFound(`experiment ${experimentId}`, { experimentId });
    return e;
  }

  // ---- runs

  private runDir(runId: string): string {
    if (!/^[0-9a-f]{32}$/.test(runId)) throw notFound(`run ${runId}`, { runId });
    return join(this.root, 'runs', runId);
  }

  private async readRun(runId: string): Promise<RunRecord> {
    const rec = await readJson<RunRecord>(join(this.runDir(runId), 'run.json'));
    if (!rec) throw notFound(`run ${runId}`, { runId });
    return rec;
  }

  private updateRun(runId: string, change: (rec: RunRecord) => void): Promise<void> {
    return this.lock.run(`run:${runId}`, async () => {
      const rec = await this.readRun(runId);
      change(rec);
      await writeJsonAtomic(join(this.runDir(runId), 'run.json'), rec);
    });
  }

  protected async doCreateRun(options: NormalizedCreateRun): Promise<RunInfo> {
    const experiment = await this.doGetExperiment(options.experimentId);
    if (experiment.lifecycleStage !== 'active') throw invalid(`experiment ${experiment.experimentId} is deleted`, { experimentId: experiment.experimentId });
    const runId = randomUUID().replace(/-/g, '');
    const dir = join(this.root, 'runs', runId);
    const runName = options.runName ?? `run-${runId.slice(0, 8)}`;
    const info: RunInfo = {
      runId,
      experimentId: experiment.experimentId,
      runName,
      status: 'RUNNING',
      startTime: options.startTime,
      artifactUri: pathToFileURL(join(dir, 'artifacts')).href,
      lifecycleStage: 'active',
    };
    const tags = Object.fromEntries(options.tags.map((t) => [t.key, t.value]));
    tags['mlflow.runName'] = runName;
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    await writeJsonAtomic(join(dir, 'run.json'), { info, params: {}, tags } satisfies RunRecord);
    return info;
  }

  protected async doGetRun(runId: string): Promise<Run> {
    const rec = await this.readRun(runId);
    const metrics: Record<string, Metric> = {};
    for (const m of await this.readMetrics(runId)) {
      const cur = metrics[m.key];
      if (!cur || m.step > cur.step || (m.step === cur.step && m.timestamp >= cur.timestamp)) metrics[m.key] = m;
    }
    return {
      info: rec.info,
      data: {
        metrics: Object.fromEntries(Object.values(metrics).map((m) => [m.key, m.value])),
        params: rec.params,
        tags: rec.tags,
      },
    };
  }

  protected doUpdateRun(runId: string, status: RunStatus, endTime: number): Promise<void> {
    return this.updateRun(runId, (rec) => {
      rec.info.status = status;
      rec.info.endTime = endTime;
    });
  }

  protected async doSearchRuns(options: Required<SearchRunsOptions>): Promise<Run[]> {
    const wanted = new Set(options.experimentIds);
    const matches = compileRunFilter(options.filter);
    const order = compareRuns(options.orderBy);
    const runs: Run[] = [];
    for (const runId of await readdir(join(this.root, 'runs'))) {
      const run = await this.doGetRun(runId).catch(() => undefined);
      if (run && wanted.has(run.info.experimentId) && run.info.lifecycleStage === 'active' && matches(run)) runs.push(run);
    }
    return runs.sort(order).slice(0, options.maxResults);
  }

  protected async doLogBatch(runId: string, metrics: Metric[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    if (params.length > 0 || tags.length > 0) {
      await this.updateRun(runId, (rec) => {
        for (const p of params) {
          const old = rec.params[p.key];
          if (old !== undefined && old !== p.value) {
            throw invalid(`param '${p.key}' was already logged as '${old}'; params cannot change`, { runId, key: p.key });
          }
        }
        for (const p of params) rec.params[p.key] = p.value;
        for (const t of tags) rec.tags[t.key] = t.value;
        // MLflow keeps the run name and its tag in step.
        if (rec.tags['mlflow.runName'] !== undefined) rec.info.runName = rec.tags['mlflow.runName'];
      });
    }
    if (metrics.length > 0) {
      await this.readRun(runId);
      const lines = metrics.map((m) => JSON.stringify({ ...m, value: Number.isNaN(m.value) ? 'NaN' : m.value })).join('\n');
      await appendFile(join(this.runDir(runId), 'metrics.jsonl'), `${lines}\n`);
    }
  }

  private async readMetrics(runId: string): Promise<Metric[]> {
    const text = await readFile(join(this.runDir(runId), 'metrics.jsonl'), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const m = JSON.parse(l) as Omit<Metric, 'value'> & { value: number | 'NaN' };
        return { ...m, value: m.value === 'NaN' ? Number.NaN : m.value };
      });
  }

  protected async doGetMetricHistory(runId: string, key: string): Promise<Metric[]> {
    await this.readRun(runId);
    return (await this.readMetrics(runId)).filter((m) => m.key === key);
  }

  // ---- artifacts

  private artifactFile(run: RunInfo, path: string): string {
    return join(this.runDir(run.runId), 'artifacts', ...path.split('/').filter(Boolean));
  }

  protected async doPutArtifact(run: RunInfo, path: string, body: ArtifactBody): Promise<void> {
    const target = this.artifactFile(run, path);
    if ('bytes' in body) await writeFileAtomic(target, body.bytes);
    else await copyFileAtomic(body.file, target);
  }

  protected async doListArtifacts(run: RunInfo, path: string): Promise<ArtifactInfo[]> {
    const dir = this.artifactFile(run, path);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const out: ArtifactInfo[] = [];
    for (const e of entries) {
      if (e.name.startsWith(TMP_PREFIX) || e.name.endsWith('.tmp')) continue;
      const rel = path ? `${path}/${e.name}` : e.name;
      if (e.isDirectory()) out.push({ path: rel, isDir: true });
      else out.push({ path: rel, isDir: false, size: (await stat(join(dir, e.name))).size });
    }
    return out;
  }

  protected async doGetArtifact(run: RunInfo, path: string): Promise<Buffer> {
    try {
      return await readFile(this.artifactFile(run, path));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EISDIR') throw notFound(`artifact ${path}`, { runId: run.runId, path });
      throw e;
    }
  }

  // ---- model registry

  private modelDir(name: string): string {
    return join(this.root, 'models', enc(name));
  }

  private async readModel(name: string): Promise<ModelRecord> {
    const rec = await readJson<ModelRecord>(join(this.modelDir(name), 'model.json'));
    if (!rec) throw notFound(`registered model '${name}'`, { model: name });
    return rec;
  }

  private updateModel(name: string, change: (rec: ModelRecord) => void | Promise<void>): Promise<void> {
    return this.lock.run(`model:${name}`, async () => {
      const rec = await this.readModel(name);
      await change(rec);
      rec.lastUpdatedTimestamp = Date.now();
      await writeJsonAtomic(join(this.modelDir(name), 'model.json'), rec);
    });
  }

  protected async doCreateRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<RegisteredModel> {
    const now = Date.now();
    const rec: ModelRecord = {
      name,
      description,
      tags: Object.fromEntries(tags.map((t) => [t.key, t.value])),
      aliases: {},
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
    };
    await mkdir(join(this.modelDir(name), 'versions'), { recursive: true });
    if (!(await createFileExclusive(join(this.modelDir(name), 'model.json'), JSON.stringify(rec, null, 2)))) {
      throw new TrackingError(TrackingCodes.ALREADY_EXISTS, `registered model '${name}' already exists`, { context: { model: name } });
    }
    return rec;
  }

  protected doGetRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.readModel(name);
  }

  private async readVersion(name: string, version: string): Promise<ModelVersion> {
    const [model, rec] = await Promise.all([
      this.readModel(name),
      readJson<VersionRecord>(join(this.modelDir(name), 'versions', `${version}.json`)),
    ]);
    if (!rec) throw notFound(`model version ${name}/${version}`, { model: name, version });
    const aliases = Object.entries(model.aliases).filter(([, v]) => v === version).map(([a]) => a).sort();
    return { ...rec, aliases };
  }

  protected async doCreateModelVersion(options: NormalizedCreateVersion): Promise<ModelVersion> {
    await this.readModel(options.name);
    const dir = join(this.modelDir(options.name), 'versions');
    const taken = (await readdir(dir)).map((f) => Number.parseInt(f, 10)).filter(Number.isFinite);
    for (let n = Math.max(0, ...taken) + 1; ; n++) {
      const rec: VersionRecord = {
        name: options.name,
        version: String(n),
        source: options.source,
        runId: options.runId,
        status: 'READY',
        description: options.description,
        tags: Object.fromEntries(options.tags.map((t) => [t.key, t.value])),
        creationTimestamp: Date.now(),
      };
      if (await createFileExclusive(join(dir, `${n}.json`), JSON.stringify(rec, null, 2))) {
        await this.updateModel(options.name, () => undefined);
        return { ...rec, aliases: [] };
      }
    }
  }

  protected doGetModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.readVersion(name, version);
  }

  protected doSetModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    return this.lock.run(`model:${name}`, async () => {
      const file = join(this.modelDir(name), 'versions', `${version}.json`);
      const rec = await readJson<VersionRecord>(file);
      if (!rec) throw notFound(`model version ${name}/${version}`, { model: name, version });
      rec.tags[tag.key] = tag.value;
      await writeJsonAtomic(file, rec);
    });
  }

  protected doSetAlias(name: string, alias: string, version: string): Promise<void> {
    return this.updateModel(name, async (rec) => {
      if (!(await readJson(join(this.modelDir(name), 'versions', `${version}.json`)))) {
        throw notFound(`model version ${name}/${version}`, { model: name, version });
      }
      rec.aliases[alias] = version;
    });
  }

  protected doDeleteAlias(name: string, alias: string): Promise<void> {
    return this.updateModel(name, (rec) => {
      delete rec.aliases[alias];
    });
  }

  protected async doGetModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const version = (await this.readModel(name)).aliases[alias];
    if (version === undefined) throw notFound(`alias '${alias}' of model '${name}'`, { model: name, alias });
    return this.readVersion(name, version);
  }
}
