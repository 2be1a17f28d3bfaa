/** The validation's test window: where it lies in the lake, and when the lake holds too little to decide. */
import { FraudopsError } from '../errors.js';
import type { SplitWindows } from '../datasets/FeatureFrame.js';
import { CommitLog } from '../lake/CommitLog.js';
import type { ObjectStore } from '../storage/ObjectStore.js';
import { addDays } from '../util/dates.js';

/** The window settings of a validation (see `ValidateOptions`). */
export interface WindowOptions {
  testEnd?: string;
  trainDays?: number;
  delayDays?: number;
  testDays?: number;
}

/** Default minimum of frauds in the test window for a decision (see `ValidateOptions.minTestFrauds`). */
export const DEFAULT_MIN_TEST_FRAUDS = 20;

/** The days the lake holds committed data for; an empty lake has no test window. */
export async function committedDays(lake: ObjectStore, signal?: AbortSignal): Promise<Set<string>> {
  const days = new Set((await CommitLog.load(lake, signal)).parts().map((p) => p.day));
  if (days.size === 0) throw new FraudopsError('EMPTY_WINDOW', `${lake.uri}: the lake has no data; the test window is empty`);
  return days;
}

/** The current test window: the last testDays of the lake (or ending at testEnd), preceded by delay and train days. */
export function currentWindows(lakeDays: Set<string>, o: WindowOptions): SplitWindows {
  const trainDays = o.trainDays ?? 7;
  const delayDays = o.delayDays ?? 7;
  const testDays = o.testDays ?? 7;
  const end = o.testEnd ?? [...lakeDays].sort().at(-1)!;
  return { trainStart: addDays(end, -(trainDays + delayDays + testDays) + 1), trainDays, delayDays, testDays };
}

/** The refusal when the test window cannot carry a decision. */
export function tooLittleData(message: string, context: Record<string, string | number>): FraudopsError {
  return new FraudopsError('TOO_LITTLE_DATA', `${message}. Nothing was decided or promoted`, { context });
}
