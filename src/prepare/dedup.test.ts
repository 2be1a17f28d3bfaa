import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DuckDbEngine } from '../engine/DuckDbEngine.js';
import type { CommitPart } from '../lake/CommitLog.js';
import { CREATE_STAGED_SQL } from './cleaningSql.js';
import { candidateParts } from './dedup.js';
import { mulberry32 } from '../util/prng.js';


const part = (key: string, minId: string | number, maxId: string | number): CommitPart => ({ key, day: '2019-08-22', rows: 1, minId, maxId });

describe('prepare > dedup > candidate parts', () => {
  let engine: DuckDbEngine;
  beforeAll(async () => {
    engine = await DuckDbEngine.create({ threads: 1 });
  });
  afterAll(async () => {
    await engine.close();
  });

  async function stage(rows: Array<{ tid: bigint | number; valid: boolean }>): Promise<void> {
    await engine.run(CREATE_STAGED_SQL);
    if (rows.length === 0) return;
    const values = rows.map((r, i) => `(${i + 2}, ${r.valid ? 'NULL' : "'bad_amount'"}, ${String(r.tid)})`).join(', ');
    await engine.run(`INSERT INTO staged (line, reason, tid) VALUES ${values}`);
  }

  it('picks exactly the parts whose id range holds a valid staged id, and every part of unknown range', async () => {
    for (let seed = 1; seed <= 25; seed++) {
      const next = mulberry32(seed);
      const rows = Array.from({ length: Math.floor(next() * 40) }, () => ({ tid: Math.floor(next() * 1000), valid: next() < 0.8 }));
      const parts: CommitPart[] = Array.from({ length: 1 + Math.floor(next() * 30) }, (_, i) => {
        const lo = Math.floor(next() * 1000);
        const hi = lo + Math.floor(next() * (next() < 0.5 ? 5 : 200));
        return part(`p${i}`, next() < 0.5 ? String(lo) : lo, String(hi));
      });
      if (next() < 0.3) parts.push(part('unknown-unsafe', 2 ** 60, 2 ** 60 + 10), part('unknown-text', 'x', '7'), part('unknown-beyond-int64', '9223372036854775808', '9223372036854775809'));
      await stage(rows);
      const valid = rows.filter((r) => r.valid).map((r) => Number(r.tid));
      const unknown = parts.filter((p) => p.key.startsWith('unknown')).map((p) => p.key);
      const expected = valid.length === 0 ? [] : [...unknown, ...parts.filter((p) => !p.key.startsWith('unknown') && valid.some((t) => t >= Number(p.minId) && t <= Number(p.maxId))).map((p) => p.key)].sort();
      expect(await candidateParts(engine, parts), `seed ${seed}`).toEqual(expected);
    }
  });

  it('compares ids beyond 2^53 exactly', async () => {
    await stage([{ tid: 9007199254740993n, valid: true }]);
    const parts = [part('below', '9007199254740990', '9007199254740992'), part('holds', '9007199254740993', '9007199254740993'), part('above', '9007199254740994', '9223372036854775807')];
    expect(await candidateParts(engine, parts)).toEqual(['holds']);
  });

  it('reads no part when no staged row is valid or the lake is empty', async () => {
    await stage([{ tid: 5, valid: false }]);
    expect(await candidateParts(engine, [part('a', '0', '10'), part('b', 2 ** 60, 2 ** 60)])).toEqual([]);
    await stage([{ tid: 5, valid: true }]);
    expect(await candidateParts(engine, [])).toEqual([]);
  });
});
