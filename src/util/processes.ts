/**
 * Whether a process still exists, for cleaning up after writers that were killed: a temporary file or scratch
 * directory named with a pid may be removed once that pid is gone, never while it runs.
 */

/** True when `pid` names no live process (signal 0 probes without sending anything). */
export function processIsGone(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
