/**
 * The dashboard's Retry and Cancel buttons. Each calls what `fraudops runs retry|cancel` calls, in this process and
 * in the background: a retry runs its tasks for minutes, longer than a request lives. The request waits only until
 * the retry has started (its new run id) or the cancel has been accepted, so refusals (RUN_ACTIVE,
 * RUN_NOT_ACTIVE, RUN_NOT_FOUND) reach the page; how it ends afterwards is in the run's own record, shown on its
 * page, and a failure the record cannot hold is shown there as a notice.
 */
import { FraudopsError, isFraudopsError } from '../errors.js';
import { cancelRun, retryRun, type RunsLocation } from '../pipeline/runs.js';
import { html, type Html } from './html.js';

/** How long a cancel request waits for the run's teardown before the page shows the run as it is. */
const CANCEL_WAIT_MS = 60_000;
/** How long a cancel request waits for a refusal before it returns to the run's page. */
const CANCEL_ANSWER_MS = 2_000;

export class RunActions {
  private readonly stop = new AbortController();
  private readonly pending = new Set<Promise<unknown>>();
  /** What went wrong after a request had returned, by run id: shown once on that run's page. */
  private readonly problems = new Map<string, string>();
  private retrying: string | undefined;

  /** Starts a retry of `runId`; resolves with the new run's id once the engine has started it. */
  retry(where: RunsLocation, runId: string): Promise<string> {
    // The workflow engine is one per process: one retry at a time from one dashboard.
    if (this.retrying) {
      return Promise.reject(new FraudopsError('RETRY_IN_PROGRESS', `this dashboard is still running ${this.retrying}; retry again once it has finished`, { context: { runId } }));
    }
    this.retrying = runId;
    return new Promise<string>((resolve, reject) => {
      let started: string | undefined;
      const run = retryRun(where, runId, {
        signal: this.stop.signal,
        onStarted: (id) => {
          started = id;
          resolve(id);
        },
      });
      this.track(
        run
          .catch((e: unknown) => {
            if (started === undefined) reject(e);
            else this.problems.set(started, describe(e));
          })
          .finally(() => (this.retrying = undefined)),
      );
    });
  }

  /** Cancels `runId`; resolves once the cancel was accepted (its teardown may still be running). */
  async cancel(where: RunsLocation, runId: string): Promise<void> {
    const run = cancelRun(where, runId, CANCEL_WAIT_MS, this.stop.signal);
    let answered = false;
    this.track(run.catch((e: unknown) => (answered ? this.problems.set(runId, describe(e)) : undefined)));
    let timer: NodeJS.Timeout | undefined;
    try {
      // A refusal comes at once (the run's state is read first); acceptance means waiting for the teardown.
      await Promise.race([run, new Promise((r) => (timer = setTimeout(r, CANCEL_ANSWER_MS)))]);
    } finally {
      answered = true;
      clearTimeout(timer);
    }
  }

  /** A problem of a background action on this run, once. */
  notice(runId: string): Html | undefined {
    const problem = this.problems.get(runId);
    if (problem === undefined) return undefined;
    this.problems.delete(runId);
    return html`<p role="alert" class="bad">${problem}</p>`;
  }

  /** Stops waiting for the actions in flight (their runs keep their records) and waits for them to let go. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

function describe(e: unknown): string {
  return isFraudopsError(e) ? `error[${e.code}]: ${e.message}` : `error: ${e instanceof Error ? e.message : String(e)}`;
}
