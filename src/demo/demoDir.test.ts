import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_MARKER, prepareDemoDir } from './demoDir.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'fraudops-demodir-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('demo > working directory', () => {
  it('refuses a directory it did not make that holds raw/, lake/ or mlruns/, and touches nothing', () => {
    for (const p of ['raw', 'lake', 'mlruns']) {
      const dir = join(base, p);
      mkdirSync(join(dir, p), { recursive: true });
      writeFileSync(join(dir, p, 'precious.txt'), 'mine');
      expect(() => prepareDemoDir(dir, false)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`holds ${p}`) }));
      expect(readdirSync(dir)).toEqual([p]);
      expect(readdirSync(join(dir, p))).toEqual(['precious.txt']);
    }
  });

  it('takes a new, an empty or an unrelated directory, marks it, and clears its own paths on the next run', () => {
    const fresh = join(base, 'new');
    expect(prepareDemoDir(fresh, false)).toBe(fresh);
    expect(readdirSync(fresh)).toEqual([DEMO_MARKER]);
    const other = join(base, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.md'), 'keep');
    prepareDemoDir(other, false);
    mkdirSync(join(other, 'raw'));
    mkdirSync(join(other, 'lake'));
    writeFileSync(join(other, 'predictions.jsonl'), '{}\n');
    prepareDemoDir(other, false); // its own earlier run: replaced
    expect(readdirSync(other).sort()).toEqual([DEMO_MARKER, 'notes.md']);
  });

  it('leaves mlruns/ alone when the demo tracks elsewhere', () => {
    const dir = join(base, 'd');
    mkdirSync(join(dir, 'mlruns'), { recursive: true });
    prepareDemoDir(dir, true);
    expect(existsSync(join(dir, 'mlruns'))).toBe(true);
  });
});
