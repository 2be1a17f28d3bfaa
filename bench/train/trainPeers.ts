/**
 * Finds the train bench's Python peers (LightGBM, scikit-learn, pyarrow in the `.services/py` venv), installing
 * them through bench/peers/setup_train.sh the first time, so a fresh machine needs no manual step.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pythonEnvDir } from '../lib/pyspark.js';

export interface TrainPeers {
  python: string;
  versions: { lightgbm: string; sklearn: string; pyarrow: string };
}

const PROBE = 'import json, lightgbm, sklearn, pyarrow; print(json.dumps({"lightgbm": lightgbm.__version__, "sklearn": sklearn.__version__, "pyarrow": pyarrow.__version__}))';

export function ensureTrainPeers(root: string, log: (m: string) => void): TrainPeers {
  const python = join(pythonEnvDir(root), 'bin', 'python');
  const probe = (): TrainPeers['versions'] | null => {
    try {
      return JSON.parse(execFileSync(python, ['-c', PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as TrainPeers['versions'];
    } catch {
      return null;
    }
  };
  let versions = probe();
  if (versions === null) {
    log('LightGBM / scikit-learn missing: running bench/peers/setup_train.sh');
    const r = spawnSync('bash', [join(root, 'bench', 'peers', 'setup_train.sh')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`bench/peers/setup_train.sh failed (exit ${String(r.status)})`);
    versions = probe();
    if (versions === null) throw new Error(`lightgbm, sklearn and pyarrow still do not import with ${python}`);
  }
  return { python, versions };
}
