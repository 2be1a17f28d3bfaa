/**
 * A large new file written past the page cache (O_DIRECT) where the system and filesystem allow it: the bytes go
 * from page-aligned memory straight to the device, in blocks of `DIRECT_BLOCK`, the last one padded with zeros and
 * the file cut back to its length. A run writing gigabytes of output (feature files) then neither fills the page
 * cache with pages no one reads back soon nor pays for taking each of those pages: on a virtual machine whose memory
 * is mapped in by the host on first touch, buffered writes of 1.36 GB cost 5–14 s of system time here, direct ones
 * about 0.2 s. Where O_DIRECT is refused (tmpfs before Linux 6.6, some network filesystems, other systems) the
 * file is written the usual way. The bytes on disk are the same either way; publishing (sync, rename) stays the
 * caller's.
 */
import { constants as fsc } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';

/** Files from this size are written direct: below it, the page cache costs little. */
export const DIRECT_MIN_BYTES = 4 << 20;
/** The alignment of memory, offsets and lengths for direct I/O (a page; a multiple of any device's block). */
const DIRECT_BLOCK = 4096;
/** Bytes copied into aligned memory and written per step. */
const STEP = 8 << 20;

/** The errors by which a system or filesystem refuses direct I/O. */
const REFUSALS = new Set(['EINVAL', 'EOPNOTSUPP', 'ENOTSUP']);

/** Aligned buffers not in use (one per write running at once). WebAssembly memory starts on a page boundary. */
const idle: Uint8Array[] = [];

/**
 * Writes `body` (a string as UTF-8) as the new file `file` (which must not exist), direct when it can; returns
 * whether it did. A refusal of direct I/O (`REFUSALS`, at open or at a write) removes the partial file and writes it
 * buffered instead.
 */
export async function writeNewFile(file: string, body: Uint8Array | string, signal?: AbortSignal): Promise<boolean> {
  const data = typeof body === 'string' ? Buffer.from(body) : body;
  if (data.length >= DIRECT_MIN_BYTES && fsc.O_DIRECT !== undefined) {
    let handle: FileHandle | undefined;
    const buffer = idle.pop() ?? new Uint8Array(new WebAssembly.Memory({ initial: STEP / 65536 }).buffer);
    try {
      handle = await open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_DIRECT, 0o666);
      for (let at = 0; at < data.length; at += STEP) {
        signal?.throwIfAborted();
        const length = Math.min(STEP, data.length - at);
        buffer.set(data.subarray(at, at + length));
        const padded = Math.ceil(length / DIRECT_BLOCK) * DIRECT_BLOCK;
        buffer.fill(0, length, padded);
        for (let done = 0; done < padded; ) {
          const { bytesWritten } = await handle.write(buffer, done, padded - done, at + done);
          // A short write leaves an unaligned rest, which direct I/O cannot take: the buffered path writes it all.
          if (bytesWritten === 0 || bytesWritten % DIRECT_BLOCK !== 0) throw Object.assign(new Error('short direct write'), { code: 'EINVAL' });
          done += bytesWritten;
        }
      }
      if (data.length % DIRECT_BLOCK !== 0) await handle.truncate(data.length);
      await handle.close();
      return true;
    } catch (e) {
      await handle?.close().catch(() => undefined);
      if (!REFUSALS.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
      if (handle !== undefined) await rm(file, { force: true });
    } finally {
      idle.push(buffer);
    }
  }
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(data, { signal });
  } finally {
    await handle.close();
  }
  return false;
}
