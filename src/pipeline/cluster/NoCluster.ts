/** The `none` provider: stages run in this process on the embedded engine; there is nothing to create or delete. */
import { clusterName, type ClusterInfo, type ClusterProvider, type TeardownResult } from './ClusterProvider.js';

export class NoCluster implements ClusterProvider {
  readonly uri = 'none';

  async ensure(runId: string): Promise<ClusterInfo> {
    return { provider: 'none', name: clusterName(runId), id: '', adopted: false };
  }

  async teardown(runId: string): Promise<TeardownResult> {
    return { provider: 'none', name: clusterName(runId), deleted: false };
  }
}
