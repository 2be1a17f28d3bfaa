import { describe, expect, it } from 'vitest';
import { dagSvg, depths } from './dagSvg.js';

const nodes = [
  { name: 'ensure', after: [], state: 'succeeded' },
  { name: 'prepare', after: ['ensure'], state: 'succeeded', durationMs: 1500 },
  { name: 'train', after: ['prepare'], state: 'failed', attempts: 2 },
  { name: 'validate', after: ['train', 'prepare'], state: 'upstream-failed' },
  { name: 'teardown', after: ['validate'], state: 'succeeded' },
];

describe('dashboard > dag svg', () => {
  it('puts each task one column after its deepest dependency', () => {
    expect(Object.fromEntries(depths(nodes))).toEqual({ ensure: 0, prepare: 1, train: 2, validate: 3, teardown: 4 });
  });

  it('draws one linked box per task with its state and one edge per dependency', () => {
    const svg = dagSvg(nodes, { title: 'run', href: (t) => `#task-${t}` }).text;
    expect(svg.match(/<rect /g)?.length).toBe(5);
    expect(svg.match(/class="edge"/g)?.length).toBe(5);
    expect(svg).toContain('href="#task-train" class="task state-failed" aria-label="train: failed · 2 attempts"');
    expect(svg).toContain('prepare: succeeded · 1.5 s');
  });
});
