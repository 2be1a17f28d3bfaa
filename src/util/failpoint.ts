/**
 * Named crash points for recovery tests. `FRAUDOPS_FAILPOINTS=prepare.before-commit:3` makes the process kill
 * itself with SIGKILL the third time it passes that point — a real crash, no cleanup, exactly like an OOM kill or
 * a lost node. Unset (the normal case) it costs one map lookup.
 */
const armed = parse(process.env.FRAUDOPS_FAILPOINTS ?? '');
const hits = new Map<string, number>();

function parse(spec: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, n] = item.split(':');
    m.set(name, n ? Math.max(1, Number(n)) : 1);
  }
  return m;
}

export function failpoint(name: string): void {
  const at = armed.get(name);
  if (at === undefined) return;
  const n = (hits.get(name) ?? 0) + 1;
  hits.set(name, n);
  if (n === at) process.kill(process.pid, 'SIGKILL');
}
