/**
 * The Helm chart, checked by the real tools before anyone applies it: `helm lint`, `helm template` for each
 * values set in deploy/helm/fraudops/ci, and every rendered manifest decoded strictly into the upstream API types
 * (k8s.io/api, KEDA's apis, prometheus-operator's) by the Go checker in deploy/checker. The assertions read the
 * objects as the typed decode returns them, so they see what the API server would.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GO_TOOL_INSTALL_TIMEOUT_MS, REPO, goTool } from './support/goTools.js';

const CHART = join(REPO, 'deploy/helm/fraudops');
const KEDA_API = ['--api-versions', 'keda.sh/v1alpha1/ScaledObject', '--api-versions', 'keda.sh/v1alpha1/TriggerAuthentication'];
const MONITORING_API = ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'];
// A helm built with `go install` has no release ldflags and assumes Kubernetes 1.20; say which cluster we render for.
const KUBE_VERSION = ['--kube-version', '1.33.0'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

interface CheckedObject {
  source: string;
  apiVersion: string;
  kind: string;
  name: string;
  // The typed object encoded again; the tests walk it freely.
  object: any;
}

interface CheckReport {
  ok: boolean;
  objects: CheckedObject[];
  problems: { source?: string; document: number; error: string }[];
}

let helmBin: string;
let checkerBin: string;

function run(bin: string, args: string[], input?: string): Run {
  const r = spawnSync(bin, args, { input, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 60_000 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function helm(args: string[]): Run {
  // A private HOME-free helm: no repositories, no plugins, nothing from the user's config leaks in.
  return run(helmBin, args);
}

function template(values: string | undefined, extra: string[] = []): Run {
  return helm(['template', 'fraud', CHART, '--namespace', 'fraud', ...KUBE_VERSION, ...(values ? ['-f', join(CHART, 'ci', values)] : []), ...extra]);
}

function rendered(values: string | undefined, extra: string[] = []): string {
  const r = template(values, extra);
  expect(r.stderr, `helm template ${values ?? 'defaults'}`).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function check(manifests: string): { status: number | null; report: CheckReport } {
  const r = run(checkerBin, [], manifests);
  return { status: r.status, report: JSON.parse(r.stdout) as CheckReport };
}

/** Renders a values set and decodes every manifest strictly; the test fails on any problem. */
function renderChecked(values: string | undefined, extra: string[] = []): CheckedObject[] {
  const { status, report } = check(rendered(values, extra));
  expect(report.problems).toEqual([]);
  expect(status).toBe(0);
  return report.objects;
}

function kinds(objects: CheckedObject[]): string[] {
  return objects.map((o) => o.kind).sort();
}

function one(objects: CheckedObject[], kind: string, nameSuffix = ''): CheckedObject {
  const found = objects.filter((o) => o.kind === kind && o.name.endsWith(nameSuffix));
  expect(found.map((o) => o.name), `${kind} *${nameSuffix}`).toHaveLength(1);
  return found[0];
}

function container(deployment: CheckedObject) {
  const containers = deployment.object.spec.template.spec.containers;
  expect(containers).toHaveLength(1);
  return containers[0];
}

beforeAll(() => {
  helmBin = goTool('helm');
  checkerBin = goTool('manifestcheck');
}, GO_TOOL_INSTALL_TIMEOUT_MS);

describe('deploy > helm > lint', () => {
  it('passes helm lint --strict with the default values and with every values set', () => {
    const sets = readdirSync(join(CHART, 'ci')).filter((f) => f.endsWith('-values.yaml')).sort();
    expect(sets).toEqual(['cronjob-values.yaml', 'hpa-values.yaml', 'keda-values.yaml', 'minimal-values.yaml']);
    for (const values of [undefined, ...sets]) {
      // lint has no --api-versions: the KEDA and ServiceMonitor set is linted with what needs those APIs turned to auto/off.
      const needsApis = values === 'keda-values.yaml' ? ['--set', 'autoscaling.mode=auto', '--set', 'serviceMonitor.enabled=false'] : [];
      const r = helm(['lint', '--strict', ...KUBE_VERSION, CHART, ...(values ? ['-f', join(CHART, 'ci', values)] : []), ...needsApis]);
      expect(r.stdout + r.stderr, `helm lint ${values ?? 'defaults'}`).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(r.status).toBe(0);
    }
  });

  it('rejects a misspelt values key through the values schema', () => {
    const r = template('hpa-values.yaml', ['--set', 'autoscaling.hpa.maxReplica=6']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/maxReplica/);
    expect(r.stderr).toMatch(/additional properties|not allowed/i);
  });
});

describe('deploy > helm > template', () => {
  it('KEDA set: a ScaledObject on consumer lag capped at the partition count, no HPA, SASL and CA from Secrets', () => {
    const objects = renderChecked('keda-values.yaml', [...KEDA_API, ...MONITORING_API]);
    expect(kinds(objects)).toEqual([
      'ConfigMap', 'Deployment', 'PodDisruptionBudget', 'ScaledObject', 'Service', 'Service', 'ServiceAccount',
      'ServiceMonitor', 'StatefulSet', 'TriggerAuthentication',
    ]);
    const scorer = one(objects, 'Deployment', '-scorer');
    expect(scorer.object.spec.replicas).toBeUndefined(); // the autoscaler owns the count
    const so = one(objects, 'ScaledObject').object;
    expect(so.spec.scaleTargetRef.name).toBe(scorer.name);
    expect(so.spec.minReplicaCount).toBe(1);
    expect(so.spec.maxReplicaCount).toBe(4); // maxReplicas 12, but the topic has 4 partitions
    expect(so.spec.triggers).toHaveLength(1);
    const trigger = so.spec.triggers[0];
    expect(trigger.type).toBe('kafka');
    expect(trigger.metadata).toMatchObject({
      bootstrapServers: 'kafka-0.kafka:9093,kafka-1.kafka:9093,kafka-2.kafka:9093',
      consumerGroup: 'fraudops-scorer',
      topic: 'transactions',
      lagThreshold: '60000',
      allowIdleConsumers: 'false',
      sasl: 'scram_sha512',
      tls: 'enable',
    });
    const auth = one(objects, 'TriggerAuthentication').object;
    expect(trigger.authenticationRef.name).toBe(auth.metadata.name);
    expect(auth.spec.secretTargetRef).toEqual([
      { parameter: 'username', name: 'fraudops-kafka', key: 'username' },
      { parameter: 'password', name: 'fraudops-kafka', key: 'password' },
      { parameter: 'ca', name: 'fraudops-kafka-ca', key: 'ca.crt' },
    ]);
    // The scorer reads the same credentials from the same Secret, and the CA from a mounted Secret.
    const env = container(scorer).env;
    const byName = (name: string) => env.find((e: { name: string }) => e.name === name);
    expect(byName('FRAUDOPS_KAFKA_SECURITY').value).toBe('sasl_ssl');
    expect(byName('FRAUDOPS_KAFKA_USERNAME').valueFrom.secretKeyRef).toEqual({ name: 'fraudops-kafka', key: 'username' });
    // The password is a file from the Secret, never an environment variable.
    expect(byName('FRAUDOPS_KAFKA_PASSWORD')).toBeUndefined();
    expect(byName('FRAUDOPS_KAFKA_PASSWORD_FILE').value).toBe('/etc/fraudops-kafka/password');
    expect(byName('FRAUDOPS_KAFKA_CA').value).toBe('/etc/fraudops-kafka-ca/ca.crt');
    const volumes = scorer.object.spec.template.spec.volumes;
    expect(volumes.find((v: { name: string }) => v.name === 'kafka-password').secret).toMatchObject({ secretName: 'fraudops-kafka', items: [{ key: 'password', path: 'password' }] });
    expect(volumes.find((v: { name: string }) => v.name === 'kafka-ca').secret.secretName).toBe('fraudops-kafka-ca');
    const mounts = container(scorer).volumeMounts.map((m: { mountPath: string }) => m.mountPath);
    expect(mounts).toEqual(expect.arrayContaining(['/etc/fraudops-kafka', '/etc/fraudops-kafka-ca']));
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false); // existingSecret: the chart stores no password
    const sm = one(objects, 'ServiceMonitor').object;
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'http', path: '/metrics' })]);
    expect(sm.metadata.labels.release).toBe('prometheus');
    expect(one(objects, 'Service', '-scorer').object.spec.ports[0]).toMatchObject({ name: 'http', port: 9464 });
  });

  it('KEDA set: scheduler replicas each get their own executor id, stable across restarts (StatefulSet pod names)', () => {
    const objects = renderChecked('keda-values.yaml', [...KEDA_API, ...MONITORING_API]);
    const scheduler = one(objects, 'StatefulSet', '-scheduler');
    expect(scheduler.object.spec.replicas).toBe(2);
    expect(scheduler.object.spec.serviceName).toBe(one(objects, 'Service', '-scheduler').name);
    expect(one(objects, 'Service', '-scheduler').object.spec.clusterIP).toBe('None');
    const c = container(scheduler);
    expect(c.args).toEqual(['scheduler', 'start', '--cron', '15 4 * * *']);
    const executor = c.env.filter((e: { name: string }) => e.name === 'FRAUDOPS_EXECUTOR_ID');
    expect(executor).toEqual([{ name: 'FRAUDOPS_EXECUTOR_ID', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(c.env.find((e: { name: string }) => e.name === 'FRAUDOPS_PIPELINE_DB').valueFrom.secretKeyRef).toEqual({ name: 'fraudops-pipeline-db', key: 'url' });
    // The pipeline settings reach it through the config file, the GitHub token through a Secret.
    const config = JSON.parse(one(objects, 'ConfigMap').object.data['fraudops.json']);
    expect(config.pipeline.announcer).toBe('github:acme/fraudops');
    expect(c.envFrom).toEqual(expect.arrayContaining([{ secretRef: { name: 'fraudops-github' } }]));
  });

  it('a scheduler or CronJob without the pipeline database Secret fails with what to set', () => {
    for (const mode of ['scheduler', 'cronjob']) {
      const r = template(undefined, ['--set', `scheduler.mode=${mode}`]);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/needs scheduler\.databaseSecret/);
    }
  });

  it('KEDA mode on a cluster without KEDA fails with what to do, instead of leaving the scorer unscaled', () => {
    const r = template('keda-values.yaml', MONITORING_API);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/keda\.sh\/v1alpha1/);
    expect(r.stderr).toMatch(/install KEDA first, or set autoscaling\.mode/);
  });

  it('HPA set: autoscaling/v2 on CPU, 3 to 6 pods at 25%, and the SASL Secret the chart stores', () => {
    const objects = renderChecked('hpa-values.yaml');
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Secret', 'Service', 'ServiceAccount']);
    const scorer = one(objects, 'Deployment', '-scorer');
    const hpa = one(objects, 'HorizontalPodAutoscaler').object;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: scorer.name });
    expect(hpa.spec.minReplicas).toBe(3);
    expect(hpa.spec.maxReplicas).toBe(6);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 25 } } }]);
    const secret = one(objects, 'Secret').object;
    expect(secret.stringData).toEqual({ username: 'scorer', password: 'change-me' });
    const env = container(scorer).env;
    expect(env.find((e: { name: string }) => e.name === 'FRAUDOPS_KAFKA_USERNAME').valueFrom.secretKeyRef).toEqual({ name: secret.metadata.name, key: 'username' });
    expect(scorer.object.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'kafka-password').secret.secretName).toBe(secret.metadata.name);
    // HPA utilization is a share of the request: without a CPU request the HPA cannot work.
    expect(container(scorer).resources.requests.cpu).toBeTruthy();
  });

  it('CronJob set: the pipeline on a schedule, no scheduler, the image pinned by digest', () => {
    const objects = renderChecked('cronjob-values.yaml');
    expect(kinds(objects)).toEqual(['ConfigMap', 'CronJob', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Service', 'ServiceAccount']);
    expect(objects.some((o) => o.kind === 'StatefulSet')).toBe(false);
    const cron = one(objects, 'CronJob').object;
    expect(cron.spec.schedule).toBe('30 2 * * *');
    expect(cron.spec.timeZone).toBe('Europe/Berlin');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    const job = cron.spec.jobTemplate.spec.template.spec;
    expect(job.containers[0].args).toEqual(['pipeline', 'run']);
    expect(job.containers[0].env.find((e: { name: string }) => e.name === 'FRAUDOPS_PIPELINE_DB').valueFrom.secretKeyRef.name).toBe('fraudops-pipeline-db');
    expect(job.containers[0].image).toBe('ghcr.io/fraudops/fraudops@sha256:0000000000000000000000000000000000000000000000000000000000000000');
    expect(job.securityContext.runAsNonRoot).toBe(true);
    expect(job.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('minimal set: one fixed-size scorer and nothing else', () => {
    const objects = renderChecked('minimal-values.yaml');
    expect(kinds(objects)).toEqual(['ConfigMap', 'Deployment', 'Service']);
    const scorer = one(objects, 'Deployment', '-scorer');
    expect(scorer.object.spec.replicas).toBe(1);
    expect(scorer.object.spec.template.spec.serviceAccountName).toBe('default');
  });

  it('the scorer: probes on /healthz and /readyz at --http-port, resources, non-root, read-only root, config from the ConfigMap', () => {
    const objects = renderChecked(undefined, ['--set', 'scorer.httpPort=9555', '--set-json', 'config={"tracking":"http://mlflow:5000"}']);
    const scorer = one(objects, 'Deployment', '-scorer');
    const c = container(scorer);
    expect(c.args).toEqual([
      'stream', '--brokers', 'kafka:9092', '--in', 'transactions', '--out', 'predictions', '--dlq', 'transactions.dlq',
      '--group', 'fraudops-scorer', '--model', 'champion', '--http-port', '9555', '--http-host', '0.0.0.0',
    ]);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 9555, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.resources.requests).toMatchObject({ cpu: '500m', memory: '768Mi' });
    expect(c.resources.limits.memory).toBe('1536Mi');
    const pod = scorer.object.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    // Writable scratch where Node and the engine need it: the root filesystem is read-only.
    expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toEqual(expect.arrayContaining(['/tmp', '/etc/fraudops']));
    const cm = one(objects, 'ConfigMap').object;
    expect(JSON.parse(cm.data['fraudops.json'])).toEqual({ tracking: 'http://mlflow:5000' });
    expect(c.env).toEqual(expect.arrayContaining([{ name: 'FRAUDOPS_CONFIG', value: '/etc/fraudops/fraudops.json' }]));
    expect(pod.volumes.find((v: { name: string }) => v.name === 'config').configMap.name).toBe(cm.metadata.name);
    // A config change rolls the pods.
    expect(scorer.object.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
    const pdb = one(objects, 'PodDisruptionBudget').object;
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.selector.matchLabels).toEqual(scorer.object.spec.selector.matchLabels);
  });

  it('serves the alias by default and a pinned version when the release sets one', () => {
    const args = (extra: string[]) => container(one(renderChecked(undefined, extra), 'Deployment', '-scorer')).args as string[];
    expect(args([]).slice(args([]).indexOf('--model'), args([]).indexOf('--model') + 2)).toEqual(['--model', 'champion']);
    for (const set of [['--set', 'model.ref=7'], ['--set-string', 'model.ref=7']]) {
      const a = args(set);
      expect(a.slice(a.indexOf('--model'), a.indexOf('--model') + 2)).toEqual(['--model', '7']);
    }
    expect(template(undefined, ['--set', 'model.ref=../etc']).status).not.toBe(0);
  });

  it('never renders a ScaledObject and an HPA together, whatever the mode and whether KEDA is there', () => {
    for (const mode of ['auto', 'keda', 'hpa', 'none']) {
      for (const apis of [[], KEDA_API]) {
        const r = template(undefined, ['--set', `autoscaling.mode=${mode}`, ...apis]);
        if (mode === 'keda' && apis.length === 0) {
          expect(r.status).not.toBe(0);
          continue;
        }
        expect(r.status, r.stderr).toBe(0);
        const { report } = check(r.stdout);
        expect(report.problems).toEqual([]);
        const scalers = report.objects.filter((o) => o.kind === 'ScaledObject' || o.kind === 'HorizontalPodAutoscaler').map((o) => o.kind);
        const expected = mode === 'none' ? [] : mode === 'hpa' || (mode === 'auto' && apis.length === 0) ? ['HorizontalPodAutoscaler'] : ['ScaledObject'];
        expect(scalers, `mode ${mode}, KEDA ${apis.length > 0}`).toEqual(expected);
      }
    }
  });
});

describe('deploy > checker', () => {
  it('fails a misspelt field in a built-in kind, naming the field', () => {
    const good = rendered('hpa-values.yaml');
    expect(check(good).status).toBe(0);
    const bad = good.replace('readinessProbe:', 'readinesProbe:');
    expect(bad).not.toBe(good);
    const { status, report } = check(bad);
    expect(status).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0].source).toBe('fraudops/templates/scorer-deployment.yaml');
    expect(report.problems[0].error).toMatch(/unknown field "spec\.template\.spec\.containers\[0\]\.readinesProbe"/);
  });

  it('fails a misspelt field in the ScaledObject against KEDA\'s types', () => {
    const good = rendered('keda-values.yaml', [...KEDA_API, ...MONITORING_API]);
    const bad = good.replace('maxReplicaCount:', 'maxReplicasCount:');
    expect(bad).not.toBe(good);
    const { status, report } = check(bad);
    expect(status).toBe(1);
    expect(report.problems.map((p) => p.source)).toEqual(['fraudops/templates/scorer-scaledobject.yaml']);
    expect(report.problems[0].error).toMatch(/unknown field "spec\.maxReplicasCount"/);
  });

  it('fails a wrong value type, a duplicate field, a kind no scheme knows and an empty input', () => {
    const deployment = (spec: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n${spec}`;
    const wrongType = check(deployment('  replicas: three\n'));
    expect(wrongType.status).toBe(1);
    expect(wrongType.report.problems[0].error).toMatch(/replicas/);
    const duplicate = check(deployment('  replicas: 1\n  replicas: 2\n'));
    expect(duplicate.status).toBe(1);
    expect(duplicate.report.problems[0].error).toMatch(/duplicate field "replicas"|already set/);
    const unknownKind = check('apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    expect(unknownKind.status).toBe(1);
    expect(unknownKind.report.problems[0].error).toMatch(/Widget/);
    const empty = check('# nothing\n');
    expect(empty.status).toBe(1);
    expect(check(deployment('  replicas: 1\n')).status).toBe(0);
  });
});
