/**
 * Yandex Data Proc clusters over the REST API, with the old stack's topology: one master and three data nodes,
 * 4 vCPU each (preset s3-c4-m16), Spark and YARN (with HDFS, which YARN needs). Sizes come from the provider URI:
 *
 *   yandex-dataproc://<folder-id>?zone=ru-central1-a&subnet=<id>&serviceAccount=<id>[&key=<authorized-key.json>]
 *     [&preset=s3-c4-m16][&masterPreset=…][&dataNodes=3][&diskGb=128][&diskType=network-ssd][&version=2.1]
 *     [&bucket=<name>][&sshKey=<public key>][&pollSeconds=10][&api=<base URL of a stand-in>]
 *
 * The key file defaults to YC_SERVICE_ACCOUNT_KEY_FILE. The cluster's name comes from the run id, so `ensure` after
 * a crash finds the cluster it created before (even one still being created) and adopts it; `teardown` tolerates a
 * cluster that is already gone.
 */
import { ConfigError } from '../../../errors.js';
import { clusterName, type ClusterInfo, type ClusterProvider, type TeardownResult } from '../ClusterProvider.js';
import { IamTokenSource, IAM_TOKENS_URL, readAuthorizedKey } from './IamTokenSource.js';
import { YandexApi, YandexApiError, type Operation } from './YandexApi.js';

export const DATAPROC_URL = 'https://dataproc.api.cloud.yandex.net/dataproc/v1';
export const OPERATIONS_URL = 'https://operation.api.cloud.yandex.net';

export interface DataprocSettings {
  folderId: string;
  zoneId: string;
  subnetId: string;
  serviceAccountId: string;
  keyFile: string;
  masterPreset: string;
  dataPreset: string;
  dataNodes: number;
  diskGb: number;
  diskType: string;
  version: string;
  bucket?: string;
  sshKey?: string;
  pollMs: number;
  dataprocUrl: string;
  operationsUrl: string;
  tokensUrl: string;
}

interface Cluster {
  id: string;
  name: string;
  status: string;
}

export function parseDataprocUri(uri: string, env: NodeJS.ProcessEnv = process.env): DataprocSettings {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new ConfigError(`cluster URI "${uri}" is not a URI; expected yandex-dataproc://<folder-id>?zone=…&subnet=…&serviceAccount=…`);
  }
  const q = (k: string) => u.searchParams.get(k) ?? undefined;
  const need = (k: string, what: string) => {
    const v = q(k);
    if (!v) throw new ConfigError(`cluster URI ${redactUri(u)}: ${k} is required (${what})`, { context: { field: k } });
    return v;
  };
  const int = (k: string, dflt: number, min: number) => {
    const v = q(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new ConfigError(`cluster URI ${redactUri(u)}: ${k} must be an integer ≥ ${min}, got "${v}"`, { context: { field: k } });
    return n;
  };
  const folderId = u.hostname;
  if (!folderId) throw new ConfigError(`cluster URI "${uri}" names no folder: yandex-dataproc://<folder-id>?…`);
  const keyFile = q('key') ?? env.YC_SERVICE_ACCOUNT_KEY_FILE;
  if (!keyFile) throw new ConfigError('Yandex Data Proc needs a service account authorized key: set key=<file> in the cluster URI or YC_SERVICE_ACCOUNT_KEY_FILE');
  const api = q('api');
  const preset = q('preset') ?? 's3-c4-m16';
  const pollSeconds = Number(q('pollSeconds') ?? 10);
  if (!(pollSeconds > 0)) throw new ConfigError(`cluster URI: pollSeconds must be positive, got "${q('pollSeconds')}"`);
  return {
    folderId,
    zoneId: need('zone', 'availability zone, e.g. ru-central1-a'),
    subnetId: need('subnet', 'subnet id in that zone'),
    serviceAccountId: need('serviceAccount', 'service account the cluster runs as'),
    keyFile,
    masterPreset: q('masterPreset') ?? preset,
    dataPreset: preset,
    dataNodes: int('dataNodes', 3, 1),
    diskGb: int('diskGb', 128, 16),
    diskType: q('diskType') ?? 'network-ssd',
    version: q('version') ?? '2.1',
    bucket: q('bucket'),
    sshKey: q('sshKey'),
    pollMs: pollSeconds * 1000,
    dataprocUrl: api ? `${api.replace(/\/$/, '')}/dataproc/v1` : DATAPROC_URL,
    operationsUrl: api ? api.replace(/\/$/, '') : OPERATIONS_URL,
    tokensUrl: api ? `${api.replace(/\/$/, '')}/iam/v1/tokens` : IAM_TOKENS_URL,
  };
}

function redactUri(u: URL): string {
  return `${u.protocol}//${u.host}`;
}

export class YandexDataprocCluster implements ClusterProvider {
  readonly uri: string;
  readonly tokens: IamTokenSource;
  private readonly api: YandexApi;

  constructor(readonly settings: DataprocSettings, fetchImpl: typeof fetch = fetch) {
    this.uri = `yandex-dataproc://${settings.folderId}`;
    this.tokens = new IamTokenSource({ key: readAuthorizedKey(settings.keyFile), tokensUrl: settings.tokensUrl, fetch: fetchImpl });
    this.api = new YandexApi(this.tokens, settings.operationsUrl, fetchImpl);
  }

  static fromUri(uri: string): YandexDataprocCluster {
    return new YandexDataprocCluster(parseDataprocUri(uri));
  }

  /** The create request: 1 master, N data nodes, Spark + YARN (+ HDFS for YARN). */
  createRequest(name: string, runId: string): Record<string, unknown> {
    const s = this.settings;
    const resources = (preset: string) => ({ resourcePresetId: preset, diskTypeId: s.diskType, diskSize: String(s.diskGb * 1024 ** 3) });
    return {
      folderId: s.folderId,
      name,
      description: `fraudops pipeline run ${runId}`,
      labels: { 'managed-by': 'fraudops' },
      zoneId: s.zoneId,
      serviceAccountId: s.serviceAccountId,
      ...(s.bucket ? { bucket: s.bucket } : {}),
      configSpec: {
        versionId: s.version,
        hadoop: { services: ['HDFS', 'YARN', 'SPARK'], ...(s.sshKey ? { sshPublicKeys: [s.sshKey] } : {}) },
        subclustersSpec: [
          { name: 'master', role: 'MASTERNODE', resources: resources(s.masterPreset), subnetId: s.subnetId, hostsCount: 1 },
          { name: 'data', role: 'DATANODE', resources: resources(s.dataPreset), subnetId: s.subnetId, hostsCount: s.dataNodes },
        ],
      },
    };
  }

  async find(name: string, signal?: AbortSignal): Promise<Cluster | undefined> {
    const url = `${this.settings.dataprocUrl}/clusters?folderId=${encodeURIComponent(this.settings.folderId)}&filter=${encodeURIComponent(`name = "${name}"`)}`;
    const page = await this.api.request<{ clusters?: Cluster[] }>('GET', url, undefined, signal);
    return (page.clusters ?? []).find((c) => c.name === name);
  }

  async ensure(runId: string, signal?: AbortSignal): Promise<ClusterInfo> {
    const name = clusterName(runId);
    const existing = await this.find(name, signal);
    if (existing) {
      const ready = await this.waitRunning(existing, signal);
      return { provider: 'yandex-dataproc', name, id: ready.id, adopted: true };
    }
    let op: Operation;
    try {
      op = await this.api.request<Operation>('POST', `${this.settings.dataprocUrl}/clusters`, this.createRequest(name, runId), signal);
    } catch (e) {
      // Another process created it between our lookup and our create: adopt it.
      if (e instanceof YandexApiError && e.apiCode === 6) return this.ensure(runId, signal);
      throw e;
    }
    const done = await this.api.wait(op, `creating Data Proc cluster ${name}`, this.settings.pollMs, signal);
    const id = String(done.metadata?.clusterId ?? done.response?.id ?? '');
    const cluster = await this.waitRunning({ id, name, status: String(done.response?.status ?? 'RUNNING') }, signal);
    return { provider: 'yandex-dataproc', name, id: cluster.id, adopted: false };
  }

  private async waitRunning(cluster: Cluster, signal?: AbortSignal): Promise<Cluster> {
    let c = cluster;
    while (c.status === 'CREATING' || c.status === 'STARTING' || c.status === 'STATUS_UNKNOWN') {
      await new Promise((r) => setTimeout(r, this.settings.pollMs));
      c = await this.api.request<Cluster>('GET', `${this.settings.dataprocUrl}/clusters/${encodeURIComponent(c.id)}`, undefined, signal);
    }
    if (c.status !== 'RUNNING') {
      throw new YandexApiError(`Data Proc cluster ${c.name} (${c.id}) is ${c.status}, not RUNNING; delete it or check it in the console`, 200, undefined, false);
    }
    return c;
  }

  async teardown(runId: string, signal?: AbortSignal): Promise<TeardownResult> {
    const name = clusterName(runId);
    const cluster = await this.find(name, signal);
    if (!cluster) return { provider: 'yandex-dataproc', name, deleted: false };
    try {
      const op = await this.api.request<Operation>('DELETE', `${this.settings.dataprocUrl}/clusters/${encodeURIComponent(cluster.id)}`, undefined, signal);
      await this.api.wait(op, `deleting Data Proc cluster ${name}`, this.settings.pollMs, signal);
      return { provider: 'yandex-dataproc', name, deleted: true };
    } catch (e) {
      if (e instanceof YandexApiError && (e.status === 404 || e.apiCode === 5)) return { provider: 'yandex-dataproc', name, deleted: false };
      throw e;
    }
  }
}
