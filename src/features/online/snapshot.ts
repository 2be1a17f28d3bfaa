/**
 * Snapshots of online feature state in an object store. A snapshot is one object: a JSON header (format,
 * feature-spec hash, the input position the state covers, sizes) and a body of little-endian doubles. The
 * position is the caller's: a row count for a file, offsets per partition for a stream. Restoring checks the
 * format and the spec hash, so state built under another feature spec is refused, not silently reused.
 */
import { FraudopsError } from '../../errors.js';
import type { ObjectStore } from '../../storage/ObjectStore.js';
import { OnlineFeatures, type OnlineFeaturesOptions } from '../OnlineFeatures.js';
import { featureSpecHash, type FeatureSpec } from '../spec.js';
import { FloatReader, FloatWriter } from './floatCodec.js';

const MAGIC = 'FOFS';
const FORMAT_VERSION = 1;

export type SnapshotPosition = Record<string, unknown>;

export interface SnapshotHeader {
  format: 'fraudops-online-state';
  version: number;
  specHash: string;
  position: SnapshotPosition;
  customers: number;
  terminals: number;
  entries: number;
  createdAt: string;
}

/** Serialises the state and the position it covers: MAGIC, uint32 header length, header, pad to 8, body. */
export function encodeSnapshot(features: OnlineFeatures, position: SnapshotPosition): Buffer {
  const w = new FloatWriter();
  features.encode(w);
  const size = features.stateSize();
  const header: SnapshotHeader = {
    format: 'fraudops-online-state',
    version: FORMAT_VERSION,
    specHash: features.specHash,
    position,
    customers: size.customers,
    terminals: size.terminals,
    entries: size.entries,
    createdAt: new Date().toISOString(),
  };
  const json = Buffer.from(JSON.stringify(header));
  const pad = (8 - ((8 + json.length) % 8)) % 8;
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(json.length, 4);
  return Buffer.concat([prefix, json, Buffer.alloc(pad), w.bytes()]);
}

export function decodeSnapshot(
  bytes: Buffer,
  spec: FeatureSpec,
  options: OnlineFeaturesOptions = {},
  what = 'snapshot',
): { features: OnlineFeatures; header: SnapshotHeader } {
  const header = readHeader(bytes, what);
  const expected = featureSpecHash(spec);
  if (header.specHash !== expected) {
    throw new FraudopsError(
      'SNAPSHOT_SPEC_MISMATCH',
      `${what}: state was built with feature spec ${header.specHash}, this scorer uses ${expected}; rebuild the state from the lake`,
      { context: { uri: what, snapshotSpec: header.specHash, spec: expected } },
    );
  }
  const json = bytes.readUInt32LE(4);
  const bodyStart = 8 + json + ((8 - ((8 + json) % 8)) % 8);
  const features = new OnlineFeatures(spec, options);
  const r = new FloatReader(bytes.subarray(bodyStart), what);
  features.decodeInto(r);
  if (!r.done) throw new FraudopsError('SNAPSHOT_INVALID', `${what}: trailing bytes after the state`, { context: { uri: what } });
  return { features, header };
}

function readHeader(bytes: Buffer, what: string): SnapshotHeader {
  if (bytes.length < 8 || bytes.toString('latin1', 0, 4) !== MAGIC) {
    throw new FraudopsError('SNAPSHOT_INVALID', `${what}: not a feature-state snapshot`, { context: { uri: what } });
  }
  const len = bytes.readUInt32LE(4);
  let header: SnapshotHeader;
  try {
    header = JSON.parse(bytes.toString('utf8', 8, 8 + len)) as SnapshotHeader;
  } catch (cause) {
    throw new FraudopsError('SNAPSHOT_INVALID', `${what}: unreadable snapshot header`, { context: { uri: what }, cause });
  }
  if (header.format !== 'fraudops-online-state' || header.version !== FORMAT_VERSION) {
    throw new FraudopsError('SNAPSHOT_INVALID', `${what}: unknown snapshot format ${String(header.format)} v${String(header.version)}`, {
      context: { uri: what },
    });
  }
  return header;
}

/** Writes a snapshot object; the store's write is atomic, so a reader sees the old or the new one, whole. */
export async function saveSnapshot(store: ObjectStore, key: string, features: OnlineFeatures, position: SnapshotPosition): Promise<SnapshotHeader> {
  const bytes = encodeSnapshot(features, position);
  await store.write(key, bytes, { contentType: 'application/octet-stream' });
  return readHeader(bytes, key);
}

/** Reads a snapshot, or undefined when there is none at `key`. */
export async function loadSnapshot(
  store: ObjectStore,
  key: string,
  spec: FeatureSpec,
  options: OnlineFeaturesOptions = {},
): Promise<{ features: OnlineFeatures; header: SnapshotHeader } | undefined> {
  if (!(await store.head(key))) return undefined;
  return decodeSnapshot(await store.readBytes(key), spec, options, `${store.uri}/${key}`);
}
