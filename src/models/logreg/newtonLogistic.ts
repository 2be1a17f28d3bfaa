/**
 * Solver for L2-regularized logistic regression in sklearn's parametrization:
 *   minimize  C · Σ wᵢ · logloss(yᵢ, σ(xᵢ·β + b)) + ½‖β‖²   (the intercept b is not penalized).
 * Newton's method with a backtracking line search: the problem is smooth and strictly convex, so a few
 * iterations reach machine-level gradient norms, which makes the result deterministic and tight enough
 * to agree with other exact solvers to ~1e-8. Each iteration costs O(n·d²) plus a (d+1)² Cholesky solve,
 * which suits the dense, low-dimensional feature sets of the pipeline (hundreds of columns at most).
 */
import { FraudopsError } from '../../errors.js';

export interface NewtonOptions {
  C: number;
  /** Stop when the gradient's max-norm falls below tol · max(1, C · Σw). */
  tol: number;
  maxIter: number;
}

export interface NewtonResult {
  coef: Float64Array;
  intercept: number;
  iterations: number;
  gradNorm: number;
}

/** Z: standardized rows (n × d, row-major); y: 0/1; w: per-row weights. */
export function newtonLogistic(Z: Float64Array, n: number, d: number, y: Uint8Array, w: Float64Array, opt: NewtonOptions): NewtonResult {
  const p = d + 1; // parameters: β (d) then b
  const beta = new Float64Array(p);
  const grad = new Float64Array(p);
  const hess = new Float64Array(p * p);
  const step = new Float64Array(p);
  const trial = new Float64Array(p);
  const margin = new Float64Array(n);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += w[i];
  const gtol = opt.tol * Math.max(1, opt.C * wsum);

  const objective = (b: Float64Array): number => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      let z = b[d];
      const row = i * d;
      for (let j = 0; j < d; j++) z += Z[row + j] * b[j];
      margin[i] = z;
      // log(1 + e^z) − y·z, computed without overflow
      const softplus = z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
      loss += w[i] * (softplus - y[i] * z);
    }
    let reg = 0;
    for (let j = 0; j < d; j++) reg += b[j] * b[j];
    return opt.C * loss + 0.5 * reg;
  };

  let f = objective(beta);
  let gradNorm = Infinity;
  let iter = 0;
  for (; iter < opt.maxIter; iter++) {
    // gradient and Hessian at beta (margins are current from the last objective call)
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const z = margin[i];
      const pr = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
      const r = opt.C * w[i] * (pr - y[i]);
      const s = opt.C * w[i] * pr * (1 - pr);
      const row = i * d;
      for (let j = 0; j < d; j++) {
        const zj = Z[row + j];
        grad[j] += r * zj;
        const sz = s * zj;
        const hj = j * p;
        for (let k = 0; k <= j; k++) hess[hj + k] += sz * Z[row + k];
        hess[hj + d] += sz;
      }
      grad[d] += r;
      hess[d * p + d] += s;
    }
    for (let j = 0; j < d; j++) {
      grad[j] += beta[j];
      hess[j * p + j] += 1;
      for (let k = 0; k < j; k++) hess[k * p + j] = hess[j * p + k];
      hess[d * p + j] = hess[j * p + d];
    }
    gradNorm = 0;
    for (let j = 0; j < p; j++) gradNorm = Math.max(gradNorm, Math.abs(grad[j]));
    if (gradNorm <= gtol) break;

    for (let j = 0; j < p; j++) step[j] = -grad[j];
    choleskySolve(hess, p, step);
    let slope = 0;
    for (let j = 0; j < p; j++) slope += grad[j] * step[j];
    // Armijo backtracking; a full step is accepted near the optimum (quadratic convergence).
    let t = 1;
    let fNew = f;
    for (let ls = 0; ls < 60; ls++) {
      for (let j = 0; j < p; j++) trial[j] = beta[j] + t * step[j];
      fNew = objective(trial);
      if (fNew <= f + 1e-4 * t * slope) break;
      t /= 2;
    }
    if (!(fNew <= f)) {
      objective(beta); // restore margins for the final state
      break; // no progress possible in floating point
    }
    beta.set(trial);
    f = fNew;
  }
  return { coef: beta.slice(0, d), intercept: beta[d], iterations: iter, gradNorm };
}

/** Solves A x = b in place (b becomes x) for symmetric positive definite A (p × p, row-major, copied). */
function choleskySolve(A: Float64Array, p: number, b: Float64Array): void {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j];
      for (let k = 0; k < j; k++) s -= L[i * p + k] * L[j * p + k];
      if (i === j) {
        if (!(s > 0)) throw new FraudopsError('MODEL_FIT_FAILED', 'Hessian is not positive definite (all-zero weights?)');
        L[i * p + i] = Math.sqrt(s);
      } else L[i * p + j] = s / L[j * p + j];
    }
  }
  for (let i = 0; i < p; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * p + k] * b[k];
    b[i] = s / L[i * p + i];
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < p; k++) s -= L[k * p + i] * b[k];
    b[i] = s / L[i * p + i];
  }
}
