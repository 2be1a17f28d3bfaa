/**
 * The validation statistics against real scipy, live: fresh random inputs every run (the seed is printed and
 * can be pinned with FRAUDOPS_SCIPY_SEED), evaluated by make_reference.py --evaluate in the project's Python
 * venv. The venv is created and scipy installed with pip when missing; if that fails the test fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delongTest } from '../src/statistics/delong.js';
import { Rng } from '../src/util/prng.js';
import { studentTSf } from '../src/statistics/studentT.js';
import { ttestInd, type Alternative } from '../src/statistics/ttest.js';
import { makeReferenceScript, scipyMismatch, type DeLongValues, type TTestValues } from './fixtures/validation/reference.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VENV = join(ROOT, '.services', 'py');
const PYTHON = join(VENV, 'bin', 'python');
const ALTERNATIVES: Alternative[] = ['two-sided', 'greater', 'less'];

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 << 20, timeout: 600_000 });
}

function hasScipy(): boolean {
  try {
    run(PYTHON, ['-c', 'import scipy, numpy, sklearn']);
    return true;
  } catch {
    return false;
  }
}

/** The venv's python with scipy, numpy and scikit-learn, installing them if needed. */
function ensurePython(): void {
  if (!existsSync(PYTHON)) run('python3', ['-m', 'venv', '--system-site-packages', VENV]);
  if (hasScipy()) return;
  try {
    run(PYTHON, ['-m', 'pip', 'install', '-q', 'scipy', 'numpy', 'scikit-learn']);
  } catch (e) {
    throw new Error(`could not install scipy into ${VENV} with pip: ${(e as Error).message}`);
  }
  if (!hasScipy()) throw new Error(`${PYTHON} still cannot import scipy, numpy and scikit-learn after pip install`);
}

interface Inputs {
  ttest: { name: string; a: number[]; b: number[] }[];
  tsf: [number, number][];
  delong: { name: string; labels: number[]; scoresA: number[]; scoresB: number[] }[];
}

function randomInputs(rng: Rng): Inputs {
  const sample = (n: number, mean: number, sd: number) => Array.from({ length: n }, () => mean + sd * rng.nextNormal());
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rng.nextFloat() * (Math.log(hi) - Math.log(lo)));
  const ttest: Inputs['ttest'] = [];
  for (let c = 0; c < 12; c++) {
    const na = 2 + rng.nextInt(300);
    const nb = 2 + rng.nextInt(300);
    const sd = logUniform(1e-4, 10);
    ttest.push({ name: `random ${c} (${na} vs ${nb})`, a: sample(na, 0, sd), b: sample(nb, sd * 3 * rng.nextNormal(), sd * logUniform(0.2, 5)) });
  }
  const base = sample(400, 0.85, 1e-3);
  ttest.push({ name: 'near-identical', a: base, b: base.map((v) => v + 1e-7 * rng.nextNormal()) });
  ttest.push({ name: 'bootstrap-like, B = 10000', a: sample(10_000, 0.871, 0.01), b: sample(10_000, 0.8712, 0.01) });
  const tsf: [number, number][] = [];
  for (let c = 0; c < 200; c++) tsf.push([(rng.nextFloat() < 0.5 ? -1 : 1) * logUniform(1e-4, 200), logUniform(0.5, 1e7)]);
  const delong: Inputs['delong'] = [];
  for (let c = 0; c < 3; c++) {
    const n = 200 + rng.nextInt(2000);
    const prevalence = logUniform(0.02, 0.4);
    const labels: number[] = [];
    const scoresA: number[] = [];
    const scoresB: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = rng.nextFloat() < prevalence || i < 2 ? 1 : i < 4 ? 0 : rng.nextFloat() < prevalence ? 1 : 0;
      const s = y + rng.nextNormal();
      labels.push(y);
      // Rounded scores give ties, which the midranks must handle like the definition.
      scoresA.push(Math.round((s + 0.8 * rng.nextNormal()) * 20) / 20);
      scoresB.push(Math.round((s + 0.3 * y + 0.8 * rng.nextNormal()) * 20) / 20);
    }
    delong.push({ name: `random ${c} (n ${n})`, labels, scoresA, scoresB });
  }
  return { ttest, tsf, delong };
}

describe('validation > scipy (live)', () => {
  const seed = Number(process.env.FRAUDOPS_SCIPY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const inputs = randomInputs(new Rng(seed));
  let dir: string;
  let reference: { ttest: { name: string; values: Record<string, TTestValues> }[]; tsf: [number, number, number][]; delong: DeLongValues[] };

  beforeAll(() => {
    console.info(`validation.scipy: seed ${seed} (set FRAUDOPS_SCIPY_SEED=${seed} to repeat)`);
    ensurePython();
    dir = mkdtempSync(join(tmpdir(), 'fraudops-scipy-'));
    const file = join(dir, 'inputs.json');
    writeFileSync(file, JSON.stringify(inputs));
    reference = JSON.parse(run(PYTHON, [makeReferenceScript, '--evaluate', file])) as typeof reference;
  }, 600_000);

  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('ttestInd equals scipy.stats.ttest_ind (Student and Welch, every alternative) within 1e-9', () => {
    inputs.ttest.forEach((c, i) => {
      for (const equalVar of [true, false]) {
        for (const alternative of ALTERNATIVES) {
          const want = reference.ttest[i].values[`${equalVar ? 'student' : 'welch'}:${alternative}`];
          const mismatch = scipyMismatch(ttestInd(c.a, c.b, { equalVar, alternative }), want);
          expect(mismatch, `seed ${seed}, ${c.name}, ${equalVar ? 'Student' : 'Welch'} ${alternative}`).toBeUndefined();
        }
      }
    });
  });

  it('the t tail equals scipy.stats.t.sf within 1e-10', () => {
    for (const [t, df, want] of reference.tsf) {
      expect(Math.abs(studentTSf(t, df) - want), `seed ${seed}, sf(${t}, ${df})`).toBeLessThan(1e-10);
    }
  });

  it('delongTest equals the 1988 definition in numpy, with sklearn AUCs', () => {
    inputs.delong.forEach((c, i) => {
      const want = reference.delong[i];
      const got = delongTest({ labels: Uint8Array.from(c.labels), scoresA: Float64Array.from(c.scoresA), scoresB: Float64Array.from(c.scoresB) });
      const where = `seed ${seed}, ${c.name}`;
      expect(Math.abs(got.aucA - want.aucA), where).toBeLessThan(1e-12);
      expect(Math.abs(got.aucB - want.aucB), where).toBeLessThan(1e-12);
      expect(Math.abs(got.variance - want.variance) / want.variance, where).toBeLessThan(1e-9);
      expect(Math.abs(got.z - want.z), where).toBeLessThan(1e-8);
      expect(Math.abs(got.pValue - want.pValue), where).toBeLessThan(1e-10);
      expect(Math.abs(got.pValueTwoSided - want.pValueTwoSided), where).toBeLessThan(1e-10);
    });
  });
});
