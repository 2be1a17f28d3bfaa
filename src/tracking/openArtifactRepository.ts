/**
 * Picks the ArtifactRepository for an artifact root by scheme, as MLflow's `get_artifact_repository` does:
 * `s3://` and `file://` roots are ObjectStores (S3 settings from the standard AWS_* variables, or MLflow's
 * MLFLOW_S3_ENDPOINT_URL), `mlflow-artifacts:` roots go through the tracking server's proxy.
 */
import { openStore } from '../storage/openStore.js';
import type { ArtifactRepository } from './ArtifactRepository.js';
import type { MlflowHttp } from './MlflowHttp.js';
import { MlflowProxyArtifactRepository } from './MlflowProxyArtifactRepository.js';
import { ObjectStoreArtifactRepository } from './ObjectStoreArtifactRepository.js';
import { TrackingCodes, TrackingError } from './TrackingError.js';

export async function openArtifactRepository(rootUri: string, options: { http?: MlflowHttp; env?: Record<string, string | undefined> } = {}): Promise<ArtifactRepository> {
  const env = options.env ?? process.env;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(rootUri)?.[1]?.toLowerCase();
  if (scheme === 'mlflow-artifacts') {
    if (!options.http) throw unsupported(rootUri, 'mlflow-artifacts: roots are reachable only through an MLflow server');
    return new MlflowProxyArtifactRepository(rootUri, options.http);
  }
  if (scheme === 's3' || scheme === 'file') {
    const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? env.MLFLOW_S3_ENDPOINT_URL;
    return new ObjectStoreArtifactRepository(await openStore(rootUri, { env, s3: endpoint ? { endpoint } : undefined }));
  }
  throw unsupported(rootUri, `artifact roots with scheme '${scheme ?? '(none)'}' are not supported (s3://, file:// and mlflow-artifacts: are)`);
}

function unsupported(uri: string, why: string): TrackingError {
  return new TrackingError(TrackingCodes.URI_INVALID, `artifact root ${uri}: ${why}`, { context: { uri } });
}
