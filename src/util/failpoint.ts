/**
 * Named crash points for recovery tests. `FRAUDOPS_FAILPOINTS=prepare.before-commit:3` makes the process kill
 * itself with SIGKILL the third time it passes that point — a real crash, no cleanup, exactly like an OOM kill or
 * a lost node. `prepare.after-parts:1:stall=3000` instead freezes the whole process (event loop included) for
 * 3 s the first time, like a long GC pause or a suspended VM: the way to open a race window on purpose.
 * Unset (the normal case) it costs one map lookup.
 */
interface Armed {
  at: number;
  stallMs?: number;
}

const armed = parse(process.env.FRAUDOPS_FAILPOINTS ?? '');
const hits = new Map<string, number>();

function parse(spec: string): Map<string, Armed> {
  const m = new Map<string, Armed>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, n, action] = item.split(':');
    const stall = /^stall=(\d+)$/.exec(action ?? '');
    m.set(name, { at: n ? Math.max(1, Number(n)) : 1, ...(stall ? { stallMs: Number(stall[1]) } : {}) });
  }
  return m;
}

export function failpoint(name: string): void {
  const point = armed.get(name);
  if (point === undefined) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (n !== point.at) return;
  if (point.stallMs !== undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, point.stallMs);
  else process.kill(process.pid, 'SIGKILL');
}
