/**
 * Whether the lake holds the history a window's features reach back to. Windowed features of rows near a young
 * lake's start are computed over fewer days than their windows say (counts and risks too low); stages warn
 * about it rather than let a model be trained or judged on it without a word.
 */
import { addDays } from '../util/dates.js';
import { historyDays, type FeatureSpec } from './spec.js';

/** The day the features of rows from `firstDay` need history from, and the lake's first day, when it is later. */
export function historyCutShort(lakeDays: Iterable<string>, firstDay: string, spec?: FeatureSpec): { needFrom: string; lakeStart: string } | undefined {
  let lakeStart: string | undefined;
  for (const d of lakeDays) if (lakeStart === undefined || d < lakeStart) lakeStart = d;
  const needFrom = addDays(firstDay, -historyDays(spec));
  return lakeStart !== undefined && lakeStart > needFrom ? { needFrom, lakeStart } : undefined;
}
