/**
 * Opens a cluster provider by URI: `none` (default), `spark-local[://?…]` (see SparkLocalCluster), `yandex-dataproc://<folder-id>?…` (see YandexDataprocCluster)
 * or a scheme registered with `registerClusterScheme`. An unknown scheme is a configuration error.
 */
import { ConfigError } from '../../errors.js';
import type { ClusterProvider } from './ClusterProvider.js';
import { NoCluster } from './NoCluster.js';

export type ClusterFactory = (uri: string) => Promise<ClusterProvider> | ClusterProvider;

const schemes = new Map<string, ClusterFactory>([
  ['none', () => new NoCluster()],
  [
    'spark-local',
    async (uri) => {
      const { SparkLocalCluster } = await import('./spark/SparkLocalCluster.js');
      return SparkLocalCluster.fromUri(uri);
    },
  ],
  [
    'yandex-dataproc',
    async (uri) => {
      const { YandexDataprocCluster } = await import('./yandex/YandexDataprocCluster.js');
      return YandexDataprocCluster.fromUri(uri);
    },
  ],
]);

export function registerClusterScheme(scheme: string, factory: ClusterFactory): void {
  schemes.set(scheme, factory);
}

export async function openCluster(uri: string = 'none'): Promise<ClusterProvider> {
  return factoryFor(uri)(uri);
}

/** Throws a ConfigError when no provider is registered for the URI's scheme (the CLI checks flags with it up front). */
export function checkClusterUri(uri: string): void {
  factoryFor(uri);
}

function factoryFor(uri: string): ClusterFactory {
  const scheme = uri === '' || uri === 'none' ? 'none' : /^([a-z][a-z0-9+.-]*)(:|$)/i.exec(uri)?.[1]?.toLowerCase();
  const factory = scheme === undefined ? undefined : schemes.get(scheme);
  if (!factory) throw new ConfigError(`unknown cluster provider "${uri}" (known: ${[...schemes.keys()].join(', ')})`, { context: { uri } });
  return factory;
}
