/**
 * How many days of lake the training windows need: one prequential validation fold (delay + test) before the
 * train, delay and test windows. Kept apart from the training stage so the CLI can check a demo's or a
 * pipeline's days against it up front without loading the stage.
 */
export function minimumLakeDays(w: { trainDays: number; delayDays: number; testDays: number }): number {
  return w.delayDays + w.testDays + w.trainDays + w.delayDays + w.testDays;
}
