/**
 * The Yandex Data Proc cluster provider against a LOCAL STAND-IN for Yandex Cloud (IAM tokens, Data Proc clusters,
 * operations; test/support/dataprocStandIn.ts) — the real cloud cannot be reached from here. Real HTTP, real
 * PS256 signatures verified by the stand-in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isFraudopsError } from '../src/errors.js';
import { openCluster } from '../src/pipeline/cluster/openCluster.js';
import { clusterName } from '../src/pipeline/cluster/ClusterProvider.js';
import { YandexDataprocCluster } from '../src/pipeline/cluster/yandex/YandexDataprocCluster.js';
import { DataprocStandIn } from './support/dataprocStandIn.js';

const RUN = 'pipeline:daily:2026-12-01';

describe('cluster > yandex-dataproc (local stand-in for Yandex Cloud)', () => {
  let standIn: DataprocStandIn;
  let dir: string;
  let keyFile: string;
  const uri = (extra = '') => `yandex-dataproc://b1gfolder?zone=ru-central1-a&subnet=e9bsubnet&serviceAccount=ajesa&key=${keyFile}&pollSeconds=0.05&api=${standIn.url}${extra}`;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fraudops-dataproc-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  async function start(o: ConstructorParameters<typeof DataprocStandIn>[0] = {}) {
    standIn = await new DataprocStandIn(o).start();
    keyFile = join(dir, 'key.json');
    writeFileSync(keyFile, JSON.stringify({ ...standIn.key, created_at: '2026-01-01T00:00:00Z', key_algorithm: 'RSA_2048' }));
  }
  afterEach(async () => {
    await standIn?.stop();
  });

  it('stand-in: creates the old topology, polls the operation, and deletes the cluster', async () => {
    await start();
    const provider = await openCluster(uri());
    const info = await provider.ensure(RUN);
    expect(info).toMatchObject({ provider: 'yandex-dataproc', name: clusterName(RUN), adopted: false });
    expect(standIn.clusters.get(info.id)?.status).toBe('RUNNING');
    const create = standIn.requests.find((r) => r.method === 'POST' && r.path === '/dataproc/v1/clusters')!.body as {
      configSpec: { hadoop: { services: string[] }; subclustersSpec: { role: string; hostsCount: number; resources: { resourcePresetId: string } }[] };
    };
    expect(create.configSpec.hadoop.services).toEqual(expect.arrayContaining(['SPARK', 'YARN']));
    expect(create.configSpec.subclustersSpec.map((s) => [s.role, s.hostsCount, s.resources.resourcePresetId])).toEqual([
      ['MASTERNODE', 1, 's3-c4-m16'],
      ['DATANODE', 3, 's3-c4-m16'],
    ]);
    expect(standIn.requests.some((r) => r.path.startsWith('/operations/'))).toBe(true);
    expect(await provider.teardown(RUN)).toMatchObject({ deleted: true });
    expect(standIn.clusters.size).toBe(0);
    // Teardown of a cluster that is gone is fine.
    expect(await provider.teardown(RUN)).toMatchObject({ deleted: false });
  });

  it('stand-in: sizes come from the URI', async () => {
    await start();
    await (await openCluster(uri('&dataNodes=5&preset=s3-c8-m32&diskGb=256'))).ensure(RUN);
    const create = standIn.requests.find((r) => r.method === 'POST' && r.path === '/dataproc/v1/clusters')!.body as {
      configSpec: { subclustersSpec: { hostsCount: number; resources: { resourcePresetId: string; diskSize: string } }[] };
    };
    expect(create.configSpec.subclustersSpec[1]).toMatchObject({ hostsCount: 5, resources: { resourcePresetId: 's3-c8-m32', diskSize: String(256 * 1024 ** 3) } });
  });

  it('stand-in: after a crash between create and delete, a new process adopts the same cluster and deletes it', async () => {
    await start({ pollsToFinish: 1000, finishAfterMs: 300 });
    // The first process sends the create and dies before the operation finishes.
    const first = new YandexDataprocCluster((await openCluster(uri()) as YandexDataprocCluster).settings);
    const abort = new AbortController();
    const creating = first.ensure(RUN, abort.signal);
    while (standIn.clusters.size === 0) await new Promise((r) => setTimeout(r, 10));
    abort.abort(new Error('process died'));
    await expect(creating).rejects.toThrow();
    const [created] = [...standIn.clusters.values()];
    // The resumed run: a fresh provider, fresh token cache.
    const resumed = await openCluster(uri());
    const info = await resumed.ensure(RUN);
    expect(info).toMatchObject({ id: created.id, adopted: true });
    expect(standIn.requests.filter((r) => r.method === 'POST' && r.path === '/dataproc/v1/clusters')).toHaveLength(1);
    expect(await resumed.teardown(RUN)).toMatchObject({ deleted: true });
    expect(standIn.clusters.size).toBe(0);
  });

  it('stand-in: an expired IAM token is refreshed, and a revoked one is replaced after the 401', async () => {
    // Tokens live 5 minutes and 1 second; the provider refreshes 5 minutes before expiry, so a token is fresh for it
    // 1 s only, and after that it must exchange a new one by itself, before the server would refuse it.
    await start({ tokenTtlMs: 301_000 });
    const provider = await openCluster(uri());
    await provider.ensure(RUN);
    const afterEnsure = standIn.tokenExchanges;
    expect(afterEnsure).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await provider.teardown(RUN)).toMatchObject({ deleted: true });
    expect(standIn.tokenExchanges).toBeGreaterThan(afterEnsure);
    expect(standIn.rejectedExpired).toBe(0);
    // A token the cloud revoked: the 401 makes the provider exchange a fresh one and retry the call.
    standIn.revokeTokens();
    const beforeRevoke = standIn.tokenExchanges;
    expect(await provider.teardown(RUN)).toMatchObject({ deleted: false });
    expect(standIn.tokenExchanges).toBe(beforeRevoke + 1);
    expect(standIn.requests.filter((r) => r.method === 'GET' && r.path === '/dataproc/v1/clusters').length).toBeGreaterThanOrEqual(3);
  });

  it('stand-in: an API error gives a clear message with the call and the API’s code', async () => {
    await start();
    const provider = await openCluster(uri());
    standIn.failNext('POST /dataproc/v1/clusters', 429, { code: 8, message: 'Quota limit vpc.networks.count exceeded' });
    const e = await provider.ensure(RUN).catch((x: unknown) => x);
    expect(isFraudopsError(e) && e.code).toBe('CLUSTER_API');
    expect((e as Error).message).toBe('Data Proc API POST /dataproc/v1/clusters: RESOURCE_EXHAUSTED: Quota limit vpc.networks.count exceeded');
    expect((e as { retriable: boolean }).retriable).toBe(true);
    standIn.failNext('POST /iam/v1/tokens', 401, { code: 16, message: 'Unknown key' });
    const fresh = await openCluster(uri());
    const auth = await fresh.ensure(RUN).catch((x: unknown) => x);
    expect(isFraudopsError(auth) && auth.code).toBe('CLUSTER_AUTH');
  });

  it('refuses a URI without its required parts, naming the part', async () => {
    await start();
    const e = await openCluster(`yandex-dataproc://b1gfolder?zone=ru-central1-a&key=${keyFile}`).catch((x: unknown) => x);
    expect(isFraudopsError(e) && e.code).toBe('CONFIG_INVALID');
    expect((e as Error).message).toContain('subnet is required');
    writeFileSync(join(dir, 'bad.json'), '{"id":"x"}');
    const bad = await openCluster(`yandex-dataproc://b1gfolder?zone=z&subnet=s&serviceAccount=a&key=${join(dir, 'bad.json')}`).catch((x: unknown) => x);
    expect((bad as Error).message).toContain('field service_account_id is missing');
  });
});
