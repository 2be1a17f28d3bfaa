import { describe, expect, it } from 'vitest';
import type { Run } from './RunTracker.js';
import { TrackingCodes } from './TrackingError.js';
import { compareRuns, compileRunFilter } from './runFilter.js';

function run(id: string, startTime: number, metrics: Record<string, number>, tags: Record<string, string> = {}): Run {
  return {
    info: { runId: id, experimentId: '1', runName: `name-${id}`, status: 'FINISHED', startTime, artifactUri: '', lifecycleStage: 'active' },
    data: { metrics, params: { model: id === 'a' ? 'gbm' : 'logreg' }, tags },
    inputs: [],
    outputs: [],
  };
}
const runs = [run('a', 1, { auc: 0.9 }, { team: 'Risk Ops' }), run('b', 2, { auc: 0.7 }), run('c', 3, {}, { team: 'ops' })];
const ids = (filter: string) => runs.filter(compileRunFilter(filter)).map((r) => r.info.runId);

describe('tracking > runFilter', () => {
  it('compares metrics as numbers and skips runs without the key', () => {
    expect(ids('metrics.auc < 0.8')).toEqual(['b']);
    expect(ids('metrics.auc != 0.7')).toEqual(['a']);
    expect(ids('metrics.auc>=0.7 AND params.model = "logreg"')).toEqual(['b']);
  });
  it('supports LIKE / ILIKE, quoted keys and attributes', () => {
    expect(ids("tags.team LIKE '%Ops'")).toEqual(['a']);
    expect(ids("tags.team ILIKE '%ops'")).toEqual(['a', 'c']);
    expect(ids("tags.`team` = 'ops'")).toEqual(['c']);
    expect(ids("attributes.run_name = 'name-b'")).toEqual(['b']);
    expect(ids('attributes.start_time > 1')).toEqual(['b', 'c']);
    expect(ids("tags.team = 'a and b'")).toEqual([]);
  });
  it('rejects what it cannot read with INVALID_PARAMETER', () => {
    for (const bad of ['metrics.auc > ', "metrics.auc = '0.5'", 'params.model = 5', 'nonsense', "attributes.colour = 'red'"]) {
      let code: string | undefined;
      try {
        compileRunFilter(bad);
      } catch (e) {
        code = (e as { code?: string }).code;
      }
      expect(code, bad).toBe(TrackingCodes.INVALID_PARAMETER);
    }
  });
  it('orders with missing values last and newest first on ties', () => {
    expect([...runs].sort(compareRuns(['metrics.auc DESC'])).map((r) => r.info.runId)).toEqual(['a', 'b', 'c']);
    expect([...runs].sort(compareRuns(['metrics.auc'])).map((r) => r.info.runId)).toEqual(['b', 'a', 'c']);
    expect([...runs].sort(compareRuns([])).map((r) => r.info.runId)).toEqual(['c', 'b', 'a']);
  });
});
