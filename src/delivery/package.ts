/**
 * `fraudops package`: writes an OCI build context that bakes one registered model into the fraudops image. The
 * model comes from the registry (never from git): the version an alias points at (`champion`), a version number,
 * or a `models:/` reference. The context holds the project's build inputs, the model's artifact files under
 * `model/`, and a Dockerfile that is the project's own plus a last stage that copies the model in and labels the
 * image with the model's name, version, run id and feature-spec hash. Any OCI builder builds it
 * (`docker buildx build <out>`, `buildah bud <out>`).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FraudopsError, isFraudopsError } from '../errors.js';
import { ARTIFACT_FILE, DEFAULT_REGISTERED_MODEL, MODEL_ARTIFACT_DIR, loadArtifact } from '../models/artifact.js';
import type { ModelVersion } from '../tracking/ModelRegistry.js';
import { holdTracking, type StageContext } from '../stage/StageContext.js';
import { openRunArtifacts } from '../tracking/runArtifacts.js';
import type { Tracking } from '../tracking/Tracking.js';

export interface PackageOptions {
  /** `champion` (any alias), a version number, or `models:/<name>/<version>` / `models:/<name>@<alias>`. */
  model: string;
  /** Directory to write the build context to; created, or replaced when it holds an earlier package. */
  out: string;
  registeredModel?: string;
  /** Tracking/registry URI; default MLFLOW_TRACKING_URI, else the embedded store. */
  tracking?: string;
  /** The fraudops source tree to copy the build inputs from; default the tree this module runs from. */
  source?: string;
}

export interface PackagedModel {
  registeredModel: string;
  version: string;
  runId: string;
  specHash: string;
  kind: string;
  /** What the user asked for, e.g. `champion`. */
  ref: string;
}

export interface PackageResult {
  out: string;
  model: PackagedModel;
  /** Image labels the context's Dockerfile sets. */
  labels: Record<string, string>;
  /** Model files written under `<out>/model/`. */
  modelFiles: string[];
}

/** Name of the file in the context that says what was packaged (and marks the folder as ours to replace). */
export const PACKAGE_MANIFEST = 'fraudops-package.json';
/** Where the model files sit inside the image. */
export const IMAGE_MODEL_DIR = '/opt/fraudops/model';
export const LABEL_PREFIX = 'io.fraudops.model';

/** The project files the Dockerfile's build stages copy. */
const BUILD_INPUTS = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src'];

export async function packageImage(options: PackageOptions, ctx?: StageContext): Promise<PackageResult> {
  const source = resolve(options.source ?? defaultSource());
  checkSource(source);
  const out = resolve(options.out);
  checkOut(out);
  const registeredModel = options.registeredModel ?? DEFAULT_REGISTERED_MODEL;
  const held = await holdTracking(ctx, options.tracking, { mustExist: true });
  const tracker = held.value;
  try {
    const version = await findVersion(tracker, registeredModel, options.model);
    if (!version.runId) {
      throw new FraudopsError('MODEL_REF_INVALID', `${registeredModel} version ${version.version} has no run to take the artifact from`, {
        context: { model: options.model, version: version.version },
      });
    }
    const files = await downloadModel(tracker, version.runId, `${registeredModel} version ${version.version}`);
    const { artifact } = loadArtifact(files.get(ARTIFACT_FILE)!, `${registeredModel} version ${version.version} (run ${version.runId})`);
    const model: PackagedModel = {
      registeredModel,
      version: version.version,
      runId: version.runId,
      specHash: artifact.featureSpecHash,
      kind: artifact.kind,
      ref: options.model,
    };
    const labels = modelLabels(model);
    writeContext(out, source, files, model, labels);
    return { out, model, labels, modelFiles: [...files.keys()].sort() };
  } finally {
    await held.release();
  }
}

function defaultSource(): string {
  // dist/delivery/package.js or src/delivery/package.ts: the project root is two levels up.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function checkSource(source: string): void {
  const missing = BUILD_INPUTS.filter((f) => !existsSync(join(source, f)));
  if (missing.length > 0) {
    throw new FraudopsError(
      'PACKAGE_SOURCE_MISSING',
      `${source} is not a fraudops source tree (missing ${missing.join(', ')}); run \`fraudops package\` from a checkout, or pass --source <dir>`,
      { context: { source, missing: missing.join(',') } },
    );
  }
}

/** The output folder must be new, empty, or an earlier package (replaced whole): never someone's files. */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) {
    throw new FraudopsError('PACKAGE_OUT_INVALID', `${out} exists and is not a directory`, { context: { out } });
  }
  const entries = readdirSync(out);
  if (entries.length > 0 && !entries.includes(PACKAGE_MANIFEST)) {
    throw new FraudopsError('PACKAGE_OUT_INVALID', `${out} is not empty and holds no earlier package (${PACKAGE_MANIFEST}); choose an empty or new directory`, {
      context: { out },
    });
  }
}

async function findVersion(tracker: Tracking, registeredModel: string, ref: string): Promise<ModelVersion> {
  const full = /^models:\/([^/@]+)(?:\/(\d+)|@([A-Za-z0-9_-]+))$/.exec(ref);
  const [name, number, alias] = full ? [full[1], full[2], full[3]] : /^\d+$/.test(ref) ? [registeredModel, ref, undefined] : [registeredModel, undefined, ref];
  if (!full && !/^(\d+|[A-Za-z][A-Za-z0-9_-]*)$/.test(ref)) {
    throw new FraudopsError('MODEL_REF_INVALID', `--model "${ref}" is neither an alias (e.g. champion), a version number nor models:/<name>/<version|@alias>`, {
      context: { model: ref },
    });
  }
  try {
    return number ? await tracker.registry.getModelVersion(name, number) : await tracker.registry.getModelVersionByAlias(name, alias!);
  } catch (e) {
    if (isFraudopsError(e) && e.code === 'RESOURCE_NOT_FOUND') {
      const what = number ? `version ${number}` : `alias "${alias}"`;
      throw new FraudopsError('MODEL_NOT_FOUND', `registered model ${name} has no ${what} in ${tracker.uri}`, { cause: e, context: { model: ref, registeredModel: name } });
    }
    throw e;
  }
}

/** Every file of the run's model folder (the native artifact first of all; ONNX and the rest as logged). */
async function downloadModel(tracker: Tracking, runId: string, what: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  try {
    const repo = await openRunArtifacts(tracker, runId);
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await repo.listArtifacts(dir)) {
        const rel = entry.path.slice(MODEL_ARTIFACT_DIR.length + 1);
        if (entry.isDir) await walk(entry.path);
        else files.set(rel, await repo.downloadArtifact(entry.path));
      }
    };
    try {
      await walk(MODEL_ARTIFACT_DIR);
    } finally {
      await repo.close();
    }
  } catch (cause) {
    if (isFraudopsError(cause) && cause.retriable) throw cause;
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${what}: cannot read the model folder ${MODEL_ARTIFACT_DIR}/ of run ${runId}`, { cause, context: { runId } });
  }
  if (!files.has(ARTIFACT_FILE)) {
    throw new FraudopsError('ARTIFACT_UNREADABLE', `${what}: run ${runId} has no ${MODEL_ARTIFACT_DIR}/${ARTIFACT_FILE}`, { context: { runId } });
  }
  return files;
}

export function modelLabels(m: PackagedModel): Record<string, string> {
  return {
    [`${LABEL_PREFIX}.name`]: m.registeredModel,
    [`${LABEL_PREFIX}.version`]: m.version,
    [`${LABEL_PREFIX}.run-id`]: m.runId,
    [`${LABEL_PREFIX}.spec-hash`]: m.specHash,
    [`${LABEL_PREFIX}.kind`]: m.kind,
  };
}

/**
 * The project's Dockerfile plus a last stage: the model files and their labels. The image is the record of which
 * model it was built for; the scorer still loads that version from the registry (`--model <version>`).
 */
export function modelStage(dockerfile: string, labels: Record<string, string>): string {
  if (!/^FROM\s+\S+\s+AS\s+runtime\s*$/im.test(dockerfile)) {
    throw new FraudopsError('PACKAGE_SOURCE_MISSING', 'the Dockerfile has no `FROM ... AS runtime` stage to add the model to');
  }
  const labelLines = Object.entries(labels).map(([k, v]) => `      ${k}=${JSON.stringify(v)}`);
  return [
    dockerfile.trimEnd(),
    '',
    '# --- model: added by `fraudops package` ---------------------------------------------------------------------',
    'FROM runtime AS model',
    `COPY model/ ${IMAGE_MODEL_DIR}/`,
    `LABEL ${labelLines.join(' \\\n').trimStart()}`,
    '',
  ].join('\n');
}

/** Writes the context next to `out` and renames it into place, so a failed run leaves no half-written package. */
function writeContext(out: string, source: string, files: Map<string, Buffer>, model: PackagedModel, labels: Record<string, string>): void {
  const staging = `${out}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    for (const input of BUILD_INPUTS) {
      if (input === 'Dockerfile') continue;
      cpSync(join(source, input), join(staging, input), {
        recursive: true,
        filter: (path) => !path.endsWith('.test.ts'),
      });
    }
    writeFileSync(join(staging, 'Dockerfile'), modelStage(readFileSync(join(source, 'Dockerfile'), 'utf8'), labels));
    for (const [rel, bytes] of files) {
      mkdirSync(dirname(join(staging, 'model', rel)), { recursive: true });
      writeFileSync(join(staging, 'model', rel), bytes);
    }
    writeFileSync(join(staging, PACKAGE_MANIFEST), `${JSON.stringify({ model, labels, imageModelDir: IMAGE_MODEL_DIR }, null, 2)}\n`);
    rmSync(out, { recursive: true, force: true });
    renameSync(staging, out);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
}
