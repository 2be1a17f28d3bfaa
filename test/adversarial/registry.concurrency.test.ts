/**
 * The registry by hand under concurrency: `fraudops promote` and `fraudops rollback` started as separate processes
 * at once, on the embedded store and on MLflow on PostgreSQL. Before the alias lock, every one of them reported
 * success from the same view of the registry (two rollbacks both "rolled back" the same champion; two promotions
 * both replaced it, and one was lost). Now the decisions that succeed form one chain from the starting champion,
 * the final `champion`/`previous-champion` are its last two links, and every other process exits 3 with
 * CHAMPION_MOVED, having changed nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALIASES } from '../../src/models/conventions.js';
import { openTracking } from '../../src/tracking/openTracking.js';
import type { Tracking } from '../../src/tracking/Tracking.js';
import { uniqueModelName } from '../support/registeredModel.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MLFLOW_URI = (process.env.FRAUDOPS_TEST_MLFLOW_URI ?? 'http://127.0.0.1:5050').replace(/\/+$/, '');

interface Outcome {
  args: string[];
  exit: number;
  /** The decision on success, the error on failure (from --json). */
  body: { champion?: string; previousChampion?: string; error?: { code: string } };
  stderr: string;
}

function cli(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/bin.ts'), ...args, '--json'], {
      cwd: ROOT,
      // Each process stalls between its re-check of the champion and the alias move, so without the lock the
      // others would pass the same re-check meanwhile, however their start-up times spread.
      env: { ...process.env, MLFLOW_TRACKING_URI: '', FRAUDOPS_FAILPOINTS: 'champion.after-check:1:stall=3000' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (exit) => {
      try {
        resolve({ args, exit: exit ?? -1, body: JSON.parse(out) as Outcome['body'], stderr: err });
      } catch {
        reject(new Error(`fraudops ${args.join(' ')}: exit ${exit}, stdout not JSON: ${out}\n${err}`));
      }
    });
  });
}

/**
 * Some order of the successful decisions in which each replaced the champion the one before it installed,
 * starting from `start` (versions may recur: a rollback returns to an earlier one). Undefined if there is none.
 */
function serialOrder(start: string, wins: Outcome[]): Outcome[] | undefined {
  const search = (at: string, left: Outcome[], chain: Outcome[]): Outcome[] | undefined => {
    if (left.length === 0) return chain;
    for (const w of left.filter((o) => o.body.previousChampion === at)) {
      const found = search(w.body.champion!, left.filter((o) => o !== w), [...chain, w]);
      if (found) return found;
    }
    return undefined;
  };
  return search(start, wins, []);
}

const backends = [
  { name: 'embedded', uri: (dir: string) => join(dir, 'tracking') },
  { name: 'mlflow', uri: () => MLFLOW_URI },
];

for (const b of backends) {
  describe(`registry > concurrency (${b.name})`, () => {
    let dir: string;
    let uri: string;
    let tracking: Tracking;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'registry-race-'));
      uri = b.uri(dir);
      tracking = await openTracking(uri);
    }, 120_000);
    afterAll(async () => {
      await tracking?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A registered model with `n` versions, v1 previous-champion and v2 champion. */
    async function registry(n: number): Promise<string> {
      const model = uniqueModelName('registry-race');
      const exp = await tracking.runs.getOrCreateExperiment(`${model}-exp`);
      await tracking.registry.createRegisteredModel(model);
      for (let i = 0; i < n; i++) {
        const run = await tracking.runs.createRun({ experimentId: exp.experimentId, runName: `v${i + 1}` });
        await tracking.runs.endRun(run.runId);
        await tracking.registry.createModelVersion({ name: model, runId: run.runId, source: `${run.artifactUri}/model` });
      }
      await tracking.registry.setAlias(model, ALIASES.previousChampion, '1');
      await tracking.registry.setAlias(model, ALIASES.champion, '2');
      return model;
    }

    async function race(model: string, commands: string[][]): Promise<{ wins: Outcome[]; losses: Outcome[]; aliases: Record<string, string> }> {
      const common = ['--tracking', uri, '--registered-model', model, '--experiment', `${model}-exp`];
      const outcomes = await Promise.all(commands.map((c) => cli([...c, ...common])));
      for (const o of outcomes) {
        expect([0, 3], `${o.args.join(' ')}: ${o.stderr}`).toContain(o.exit);
        expect(o.stderr).not.toMatch(/INTERNAL|\n\s+at /);
      }
      const losses = outcomes.filter((o) => o.exit === 3);
      for (const o of losses) expect(o.body.error?.code).toBe('CHAMPION_MOVED');
      return { wins: outcomes.filter((o) => o.exit === 0), losses, aliases: (await tracking.registry.getRegisteredModel(model)).aliases };
    }

    function expectSerial(start: string, wins: Outcome[], aliases: Record<string, string>): void {
      expect(wins.length).toBeGreaterThanOrEqual(1);
      const order = serialOrder(start, wins);
      expect(order, `decisions that replaced a champion another decision had already replaced: ${JSON.stringify(wins.map((w) => w.body))}`).toBeDefined();
      expect(aliases[ALIASES.champion]).toBe(order!.at(-1)!.body.champion);
      expect(aliases[ALIASES.previousChampion]).toBe(order!.at(-1)!.body.previousChampion);
    }

    it('three rollbacks at once: they take turns, and each one that succeeds undid the one before it', async () => {
      const model = await registry(2);
      const { wins, aliases } = await race(model, [['rollback'], ['rollback'], ['rollback']]);
      expectSerial('2', wins, aliases);
    }, 300_000);

    it('two promotions and a rollback at once end in a serial order of the ones that succeed', async () => {
      const model = await registry(4);
      const { wins, losses, aliases } = await race(model, [
        ['promote', '3', '--reason', 'race a'],
        ['promote', '4', '--reason', 'race b'],
        ['rollback', '--reason', 'race c'],
      ]);
      expectSerial('2', wins, aliases);
      // A losing promotion wrote no evidence: a version no winner made champion carries no promotion tags.
      for (const l of losses.filter((o) => o.args[0] === 'promote' && !wins.some((w) => w.body.champion === o.args[1]))) {
        const tags = (await tracking.registry.getModelVersion(model, l.args[1])).tags;
        expect(Object.keys(tags).filter((k) => k.startsWith('promotion.'))).toEqual([]);
      }
    }, 300_000);
  });
}
