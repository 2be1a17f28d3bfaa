/**
 * The MLflow backend of RunTracker: a thin client of the MLflow 2.x/3.x REST API (`api/2.0/mlflow/...`). Each
 * store operation is one request (or a page loop); every answer is checked for the fields it must carry, so a
 * server that is not MLflow gets a TRACKING_PROTOCOL error, not a TypeError.
 */
import type { KeyValue, NormalizedCreateRun, NormalizedLoggedModel } from '../BaseRunTracker.js';
import { BaseRunTracker } from '../BaseRunTracker.js';
import type { MlflowHttp } from '../MlflowHttp.js';
import type { DatasetInput, Experiment, LoggedModel, Metric, Run, RunInfo, RunStatus, SearchRunsOptions } from '../RunTracker.js';
import { TrackingCodes, TrackingError } from '../TrackingError.js';
import * as w from './wire.js';

const PAGE = 1000;

export class MlflowRunTracker extends BaseRunTracker {
  constructor(readonly uri: string, private readonly http: MlflowHttp) {
    super();
  }

  async close(): Promise<void> {}

  protected async doGetExperimentByName(name: string): Promise<Experiment | undefined> {
    try {
      const res = await this.http.get<{ experiment?: w.WireExperiment }>('experiments/get-by-name', { experiment_name: name });
      return w.experiment(this.http.need(res, 'experiment', 'experiments/get-by-name'));
    } catch (e) {
      if (e instanceof TrackingError && e.code === TrackingCodes.NOT_FOUND) return undefined;
      throw e;
    }
  }

  protected async doCreateExperiment(name: string, tags: KeyValue[]): Promise<Experiment> {
    const res = await this.http.send<{ experiment_id?: string }>('POST', 'experiments/create', { name, tags });
    return this.doGetExperiment(this.http.need(res, 'experiment_id', 'experiments/create'));
  }

  protected async doGetExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.http.get<{ experiment?: w.WireExperiment }>('experiments/get', { experiment_id: experimentId });
    return w.experiment(this.http.need(res, 'experiment', 'experiments/get'));
  }

  protected async doCreateRun(o: NormalizedCreateRun): Promise<RunInfo> {
    const res = await this.http.send<{ run?: w.WireRun }>('POST', 'runs/create', {
      experiment_id: o.experimentId,
      run_name: o.runName,
      start_time: o.startTime,
      tags: o.tags,
    });
    return w.runInfo(this.checkedRun(this.http.need(res, 'run', 'runs/create'), 'runs/create').info);
  }

  protected async doGetRun(runId: string): Promise<Run> {
    const res = await this.http.get<{ run?: w.WireRun }>('runs/get', { run_id: runId });
    return w.run(this.checkedRun(this.http.need(res, 'run', 'runs/get'), 'runs/get'));
  }

  private checkedRun(run: w.WireRun, endpoint: string): w.WireRun {
    const info = this.http.need(run, 'info', endpoint);
    this.http.need(info, 'run_id', endpoint);
    return run;
  }

  protected async doUpdateRun(runId: string, status: RunStatus, endTime: number): Promise<void> {
    await this.http.send('POST', 'runs/update', { run_id: runId, status, end_time: endTime });
  }

  protected async doSearchRuns(o: Required<SearchRunsOptions>): Promise<Run[]> {
    const out: Run[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.send<{ runs?: w.WireRun[]; next_page_token?: string }>('POST', 'runs/search', {
        experiment_ids: o.experimentIds,
        filter: o.filter || undefined,
        order_by: o.orderBy.length > 0 ? o.orderBy : undefined,
        run_view_type: 'ACTIVE_ONLY',
        max_results: Math.min(PAGE, o.maxResults - out.length),
        page_token: pageToken,
      });
      out.push(...(res.runs ?? []).map((r) => w.run(this.checkedRun(r, 'runs/search'))));
      pageToken = res.next_page_token || undefined;
    } while (pageToken && out.length < o.maxResults);
    return out;
  }

  protected async doLogBatch(runId: string, metrics: Metric[], params: KeyValue[], tags: KeyValue[]): Promise<void> {
    await this.http.send('POST', 'runs/log-batch', { run_id: runId, metrics, params, tags });
  }

  protected async doGetMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.get<{ metrics?: w.WireMetric[]; next_page_token?: string }>('metrics/get-history', {
        run_id: runId,
        metric_key: key,
        max_results: 25_000,
        page_token: pageToken,
      });
      out.push(...(res.metrics ?? []).map(w.metric));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    // The server answers an unknown run with an empty history; the contract says RESOURCE_NOT_FOUND.
    if (out.length === 0) await this.doGetRun(runId);
    return out;
  }

  protected async doLogInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    await this.http.send('POST', 'runs/log-inputs', {
      run_id: runId,
      datasets: inputs.map((i) => ({
        tags: Object.entries(i.tags ?? {}).map(([key, value]) => ({ key, value })),
        dataset: {
          name: i.dataset.name,
          digest: i.dataset.digest,
          source_type: i.dataset.sourceType,
          source: i.dataset.source,
          schema: i.dataset.schema,
          profile: i.dataset.profile,
        },
      })),
    });
  }

  protected async doCreateLoggedModel(o: NormalizedLoggedModel): Promise<LoggedModel> {
    const res = await this.http.sendTo<{ model?: w.WireLoggedModel }>('POST', 'api/2.0/mlflow/logged-models', {
      experiment_id: o.experimentId,
      name: o.name,
      model_type: o.modelType,
      source_run_id: o.sourceRunId,
      params: o.params,
      tags: o.tags,
    });
    const created = this.http.need(this.http.need(res, 'model', 'logged-models'), 'info', 'logged-models');
    const modelId = this.http.need(created, 'model_id', 'logged-models');
    const done = await this.http.sendTo<{ model?: w.WireLoggedModel }>('PATCH', `api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`, {
      model_id: modelId,
      status: 'LOGGED_MODEL_READY',
    });
    if (o.sourceRunId) {
      await this.http.send('POST', 'runs/outputs', { run_id: o.sourceRunId, models: [{ model_id: modelId, step: 0 }] });
    }
    return w.loggedModel(this.http.need(done, 'model', 'logged-models'));
  }

  protected async doGetLoggedModel(modelId: string): Promise<LoggedModel> {
    const res = await this.http.sendTo<{ model?: w.WireLoggedModel }>('GET', `api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}`);
    return w.loggedModel(this.http.need(res, 'model', 'logged-models'));
  }
}
