import { describe, expect, it } from 'vitest';
import { isFraudopsError } from '../errors.js';
import { loadDag, type DagDefinition } from './dag.js';
import { dailyDag } from './daily.js';
import { PIPELINE_STAGES } from './stages.js';
import type { TaskOutput } from './stage.js';

function refusal(def: DagDefinition): { code: string; message: string } {
  try {
    loadDag(def, PIPELINE_STAGES);
  } catch (e) {
    if (isFraudopsError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('the DAG was accepted');
}

const settings = { raw: '/data/raw', lake: '/data/lake' };

describe('pipeline > dag > load', () => {
  it('accepts the daily DAG and orders teardown last', () => {
    const dag = loadDag(dailyDag(settings), PIPELINE_STAGES);
    expect(dag.tasks.map((t) => t.name)).toEqual(['cluster.ensure', 'prepare', 'new-data', 'train', 'validate', 'publish', 'cluster.teardown']);
    expect(dag.tasks.at(-1)?.trigger).toBe('always');
    expect(dag.specHash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('hashes the definition: other options, other hash', () => {
    expect(loadDag(dailyDag(settings), PIPELINE_STAGES).specHash).toBe(loadDag(dailyDag(settings), PIPELINE_STAGES).specHash);
    expect(loadDag(dailyDag({ ...settings, lake: '/other' }), PIPELINE_STAGES).specHash).not.toBe(loadDag(dailyDag(settings), PIPELINE_STAGES).specHash);
  });

  it('refuses a cycle, naming it', () => {
    const def = dailyDag(settings);
    def.tasks.find((t) => t.name === 'cluster.ensure')!.after = ['validate'];
    const r = refusal(def);
    expect(r.code).toBe('DAG_INVALID');
    expect(r.message).toMatch(/cycle: .*cluster\.ensure.*prepare.*validate/);
  });

  it('refuses a dependency on an unknown task', () => {
    const def = dailyDag(settings);
    def.tasks.find((t) => t.name === 'train')!.after = ['new-date'];
    expect(refusal(def)).toMatchObject({ code: 'DAG_INVALID', message: expect.stringContaining('task train depends on unknown task "new-date"') });
  });

  it('refuses an unknown stage', () => {
    const def = dailyDag(settings);
    def.tasks[1].stage = 'prepaer';
    expect(refusal(def).message).toContain('task prepare: unknown stage "prepaer"');
  });

  it('refuses a missing required option and a mistyped one, each named with its task', () => {
    const r = refusal(dailyDag({ lake: '/data/lake', trials: 2.5 }));
    expect(r.message).toContain('task prepare: option raw is required');
    expect(r.message).toContain('task train: option trials: expected an integer, got 2.5');
  });

  it('holds task options to the stage\'s own option schema, the one its CLI flags use', () => {
    const r = refusal(dailyDag({ raw: 'ftp://host/raw', lake: '/data/lake', trials: 0, bootstrap: 5, alpha: 1.5, cluster: 'kubernetes://x', announcer: 'smoke-signal:' }));
    expect(r.message).toContain('task prepare: option raw: must be a path or file://, s3://; got "ftp://host/raw"');
    expect(r.message).toContain('task train: option trials: must be ≥ 1 and ≤ 10000, got 0');
    expect(r.message).toContain('task validate: option bootstrap: must be ≥ 10 and ≤ 1000000, got 5');
    expect(r.message).toContain('task validate: option alpha: must be > 0 and < 1, got 1.5');
    expect(r.message).toContain('task cluster.ensure: option provider: unknown cluster provider "kubernetes://x"');
    expect(r.message).toContain('task publish: option announcer: unknown announcer "smoke-signal:"');
    // The same specs drive `fraudops train --trials` and the task: one description of each option.
    expect(PIPELINE_STAGES.get('train')!.schema.trials).toMatchObject({ type: 'integer', min: 1, max: 10000 });
  });

  it('refuses an option the stage does not have', () => {
    const def = dailyDag(settings);
    def.tasks[1].options = { ...def.tasks[1].options, lakee: '/x' };
    expect(refusal(def).message).toContain('task prepare: option lakee is not an option of this stage');
  });

  it('refuses duplicate task names and an empty DAG', () => {
    const def = dailyDag(settings);
    def.tasks.push({ ...def.tasks[0] });
    expect(refusal(def).message).toContain('task cluster.ensure is defined twice');
    expect(refusal({ name: 'empty', tasks: [] }).message).toContain('the DAG has no tasks');
  });
});

describe('pipeline > dag > upstream outputs', () => {
  it('hands a task the nearest task of a stage before it, so each validate gets its own candidate', async () => {
    const { demoDag } = await import('./demoDag.js');
    const { nearestUpstream } = await import('./executeDag.js');
    const dag = loadDag(
      demoDag({ raw: '/r', lake: '/l', predictions: '/p.jsonl', dataset: { days: 35, customers: 10, terminals: 10, seed: 1, startDate: '2019-08-22' } }),
      PIPELINE_STAGES,
    );
    const outputs = new Map<string, TaskOutput>([
      ['train', { runId: 'first' }],
      ['train-challenger', { runId: 'second' }],
      ['prepare', { newFiles: 35 }],
    ]);
    const task = (name: string) => dag.tasks.find((t) => t.name === name)!;
    expect(nearestUpstream(task('validate'), dag, outputs, 'train')).toEqual({ runId: 'first' });
    expect(nearestUpstream(task('validate-challenger'), dag, outputs, 'train')).toEqual({ runId: 'second' });
    expect(nearestUpstream(task('validate-challenger'), dag, outputs, 'prepare')).toEqual({ newFiles: 35 });
    // Not before it: the first train knows no challenger, and nothing comes before cluster.ensure.
    expect(nearestUpstream(task('train'), dag, outputs, 'train')).toBeUndefined();
    expect(nearestUpstream(task('cluster.ensure'), dag, outputs, 'prepare')).toBeUndefined();
    // The score task reads the last generated day.
    expect(task('score').options.raw).toBe('/r/2019-09-25.txt');
  });
});
