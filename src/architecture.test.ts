/**
 * The house drawn from its imports: the product's folders under src/ form layers, so no chain of imports leads
 * from a folder back to itself, and no stage reaches past the engine seam to a concrete engine. Read from the
 * source text (static imports, `import type` and `import('…')` alike), tests and test kits left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = dirname(new URL(import.meta.url).pathname);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !/\.(test|contract)\.ts$/.test(e.name) && e.name !== 'testkit.ts' ? [p] : [];
  });
}

/** Relative imports of a file, resolved to source paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')));
}

/** The room a file lives in: its top folder under src/, or the file itself for files at src/'s root. */
function room(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.split('/')[0] : rel;
}

const files = sources(SRC);

describe('architecture', () => {
  it('has no cycle between the folders of src/: every import points down', () => {
    const edges = new Map<string, Set<string>>();
    for (const f of files) {
      for (const target of importsOf(f)) {
        if (!target.startsWith(SRC) || room(target) === room(f)) continue;
        if (!edges.has(room(f))) edges.set(room(f), new Set());
        edges.get(room(f))!.add(room(target));
      }
    }
    expect(edges.size).toBeGreaterThan(15);
    // Depth-first search for a back edge; the path found is the cycle to show.
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (node: string, path: string[]) => {
      state.set(node, 'open');
      for (const next of edges.get(node) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), node, next].join(' → '));
        else if (!state.has(next)) visit(next, [...path, node]);
      }
      state.set(node, 'done');
    };
    for (const node of edges.keys()) if (!state.has(node)) visit(node, []);
    expect(cycles).toEqual([]);
  });

  it('keeps concrete engines behind the engine seam: only src/engine/ imports DuckDbEngine', () => {
    const importers = files.filter((f) => importsOf(f).some((t) => t.endsWith('/engine/DuckDbEngine.ts'))).map((f) => relative(SRC, f));
    expect(importers.length).toBeGreaterThan(0);
    expect(importers.filter((f) => !f.startsWith('engine/'))).toEqual([]);
  });
});
