/** The MLflow backend of ModelRegistry: registered models, versions, aliases and version tags over REST. */
import type { KeyValue } from '../BaseRunTracker.js';
import { BaseModelRegistry, type NormalizedCreateVersion } from '../BaseModelRegistry.js';
import type { MlflowHttp } from '../MlflowHttp.js';
import type { ModelVersion, RegisteredModel } from '../ModelRegistry.js';
import { TrackingCodes, TrackingError, notFound } from '../TrackingError.js';
import * as w from './wire.js';

export class MlflowModelRegistry extends BaseModelRegistry {
  constructor(readonly uri: string, private readonly http: MlflowHttp) {
    super();
  }

  async close(): Promise<void> {}

  protected async doCreateRegisteredModel(name: string, description: string, tags: KeyValue[]): Promise<RegisteredModel> {
    const res = await this.http.send<{ registered_model?: w.WireModel }>('POST', 'registered-models/create', { name, description, tags });
    return w.registeredModel(this.http.need(res, 'registered_model', 'registered-models/create'));
  }

  protected async doGetRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.http.get<{ registered_model?: w.WireModel }>('registered-models/get', { name });
    return w.registeredModel(this.http.need(res, 'registered_model', 'registered-models/get'));
  }

  protected async doCreateModelVersion(o: NormalizedCreateVersion): Promise<ModelVersion> {
    const res = await this.http.send<{ model_version?: w.WireVersion }>('POST', 'model-versions/create', {
      name: o.name,
      source: o.source,
      run_id: o.runId,
      tags: o.tags,
      description: o.description,
    });
    return w.modelVersion(this.http.need(res, 'model_version', 'model-versions/create'));
  }

  protected async doGetModelVersion(name: string, version: string): Promise<ModelVersion> {
    const res = await this.http.get<{ model_version?: w.WireVersion }>('model-versions/get', { name, version });
    return w.modelVersion(this.http.need(res, 'model_version', 'model-versions/get'));
  }

  protected async doSearchModelVersions(name: string): Promise<ModelVersion[]> {
    await this.doGetRegisteredModel(name);
    const out: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.http.get<{ model_versions?: w.WireVersion[]; next_page_token?: string }>('model-versions/search', {
        filter: `name='${name.replace(/'/g, "\\'")}'`,
        max_results: 1000,
        page_token: pageToken,
      });
      out.push(...(res.model_versions ?? []).map(w.modelVersion));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    // Search results leave aliases out on some versions; the registered model holds them all.
    const aliases = (await this.doGetRegisteredModel(name)).aliases;
    for (const v of out) v.aliases = Object.entries(aliases).filter(([, n]) => n === v.version).map(([a]) => a).sort();
    return out;
  }

  protected async doSetModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    await this.http.send('POST', 'model-versions/set-tag', { name, version, key: tag.key, value: tag.value });
  }

  protected async doSetAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.send('POST', 'registered-models/alias', { name, alias, version });
  }

  protected async doDeleteAlias(name: string, alias: string): Promise<void> {
    await this.http.send('DELETE', 'registered-models/alias', { name, alias });
  }

  protected async doGetModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    try {
      const res = await this.http.get<{ model_version?: w.WireVersion }>('registered-models/alias', { name, alias });
      return w.modelVersion(this.http.need(res, 'model_version', 'registered-models/alias'));
    } catch (e) {
      // MLflow answers an unset alias with INVALID_PARAMETER_VALUE; report it as the missing resource it is.
      if (!(e instanceof TrackingError && e.code === TrackingCodes.INVALID_PARAMETER)) throw e;
      const model = await this.doGetRegisteredModel(name);
      if (model.aliases[alias] === undefined) throw notFound(`alias '${alias}' of model '${name}'`, { model: name, alias });
      throw e;
    }
  }
}
