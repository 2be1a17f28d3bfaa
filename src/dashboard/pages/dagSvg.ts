/**
 * Draws a pipeline run's DAG as SVG on the server: tasks in columns by their depth (longest path from a root),
 * edges from each dependency, every task boxed in the colour of its state with its duration and attempts, and
 * linked to its details further down the page.
 */
import { fmtDuration, html, type Html } from '../html.js';

export interface DagNode {
  name: string;
  after: string[];
  state: string;
  attempts?: number;
  durationMs?: number;
}

const COL_W = 200;
const BOX_W = 168;
const BOX_H = 54;
const ROW_H = 74;
const PAD = 12;

/** Column of each task: 0 for roots, else one more than its deepest dependency. */
export function depths(nodes: DagNode[]): Map<string, number> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visit = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // a cycle cannot load as a DAG; draw rather than recurse forever
    seen.add(name);
    const deps = (byName.get(name)?.after ?? []).filter((d) => byName.has(d));
    const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((x) => visit(x, seen)));
    depth.set(name, d);
    return d;
  };
  for (const n of nodes) visit(n.name, new Set());
  return depth;
}

export function dagSvg(nodes: DagNode[], o: { title: string; href: (task: string) => string }): Html {
  const depth = depths(nodes);
  const columns: DagNode[][] = [];
  for (const n of nodes) (columns[depth.get(n.name)!] ??= []).push(n);
  const pos = new Map<string, { x: number; y: number }>();
  const rows = Math.max(...columns.map((c) => c?.length ?? 0), 1);
  columns.forEach((col, i) =>
    col?.forEach((n, j) => {
      const offset = ((rows - col.length) * ROW_H) / 2;
      pos.set(n.name, { x: PAD + i * COL_W, y: PAD + offset + j * ROW_H });
    }),
  );
  const width = PAD * 2 + (columns.length - 1) * COL_W + BOX_W;
  const height = PAD * 2 + (rows - 1) * ROW_H + BOX_H;
  const edges = nodes.flatMap((n) =>
    n.after
      .filter((d) => pos.has(d))
      .map((d) => {
        const a = pos.get(d)!;
        const b = pos.get(n.name)!;
        const x1 = a.x + BOX_W;
        const y1 = a.y + BOX_H / 2;
        const x2 = b.x - 4;
        const y2 = b.y + BOX_H / 2;
        const mid = (x1 + x2) / 2;
        return html`<path class="edge" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`;
      }),
  );
  const boxes = nodes.map((n) => {
    const p = pos.get(n.name)!;
    const detail = [n.state, n.durationMs !== undefined ? fmtDuration(n.durationMs) : '', n.attempts && n.attempts > 1 ? `${n.attempts} attempts` : ''].filter(Boolean).join(' · ');
    return html`<a href="${o.href(n.name)}" class="task state-${n.state}" aria-label="${n.name}: ${detail}">
<rect x="${p.x}" y="${p.y}" width="${BOX_W}" height="${BOX_H}" rx="6"/>
<text x="${p.x + 10}" y="${p.y + 22}" class="name">${n.name}</text>
<text x="${p.x + 10}" y="${p.y + 42}" class="detail">${detail}</text>
</a>`;
  });
  return html`<svg class="dag" role="img" aria-labelledby="dag-title" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<title id="dag-title">${o.title}</title>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>
${edges}
${boxes}
</svg>`;
}
