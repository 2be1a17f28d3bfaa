/** Takes a measurement several times and keeps the median wall time and the largest peak RSS. */
import type { Measurement } from './measureCommand.js';

export async function measureRepeated(times: number, once: (i: number) => Promise<Measurement>): Promise<Measurement> {
  const all: Measurement[] = [];
  for (let i = 0; i < Math.max(1, times); i++) all.push(await once(i));
  return summarizeRepeats(all);
}

/** The median-wall measurement of several, with the largest peak RSS of all of them. */
export function summarizeRepeats(all: readonly Measurement[]): Measurement {
  if (all.length === 0) throw new Error('no measurement to summarize');
  const byWall = [...all].sort((a, b) => a.wallSeconds - b.wallSeconds);
  const median = byWall[Math.floor((byWall.length - 1) / 2)];
  const rss = all.map((m) => m.peakRssBytes).filter((r): r is number => r !== null);
  return { ...median, peakRssBytes: rss.length ? Math.max(...rss) : null };
}
