/**
 * Child process of the snapshot test: restores online feature state from an object store, then scores the rest
 * of the same synthetic stream and writes the features as little-endian doubles. Arguments: store URI, snapshot
 * key, stream options (JSON), output file.
 */
import { writeFileSync } from 'node:fs';
import { openStore } from '../../src/storage/openStore.js';
import { loadSnapshot } from '../../src/features/online/snapshot.js';
import { scoreWithDelayedLabels, syntheticStream, type PopulationOptions } from '../../src/features/online/testkit.js';
import { DEFAULT_FEATURE_SPEC } from '../../src/features/spec.js';

const [storeUri, key, streamJson, outFile] = process.argv.slice(2);
const store = await openStore(storeUri);
try {
  const restored = await loadSnapshot(store, key, DEFAULT_FEATURE_SPEC);
  if (!restored) throw new Error(`no snapshot at ${key}`);
  const from = Number(restored.header.position.next);
  const txs = syntheticStream(JSON.parse(streamJson) as PopulationOptions);
  const width = restored.features.names.length;
  const values = new Float64Array((txs.length - from) * width);
  scoreWithDelayedLabels(restored.features, txs, from, txs.length, (i, out) => values.set(out, (i - from) * width));
  writeFileSync(outFile, Buffer.from(values.buffer));
  process.stdout.write(JSON.stringify({ from, state: restored.features.stateSize() }));
} finally {
  await store.close();
}
