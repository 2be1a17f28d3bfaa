/**
 * Reads named entries out of a zip archive (a jar) held in memory: the central directory at the end of the file
 * names every entry with its offset, and each entry is stored or raw-deflated. Enough to take the `.proto` files
 * out of the Spark Connect jar without an unzip tool; no zip64, encryption or multi-disk archives.
 */
import { inflateRawSync } from 'node:zlib';
import { FraudopsError } from '../../errors.js';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;

export function readZipEntries(zip: Buffer, wanted: (name: string) => boolean, source = 'zip'): Map<string, Buffer> {
  const bad = (why: string) => new FraudopsError('ARCHIVE_UNREADABLE', `${source}: ${why}`, { context: { file: source } });
  // The end record is at least 22 bytes and may be followed by a comment of up to 65535 bytes.
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL_FILE_HEADER) throw bad(`broken central directory at byte ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/') || !wanted(name)) continue;
    if (zip.readUInt32LE(localOffset) !== LOCAL_FILE_HEADER) throw bad(`entry ${name}: no local header`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const data = zip.subarray(dataStart, dataStart + compressedSize);
    let content: Buffer;
    if (method === 0) content = Buffer.from(data);
    else if (method === 8) content = inflateRawSync(data);
    else throw bad(`entry ${name}: unsupported compression method ${method}`);
    if (content.length !== size) throw bad(`entry ${name}: expected ${size} bytes, got ${content.length}`);
    out.set(name, content);
  }
  return out;
}
