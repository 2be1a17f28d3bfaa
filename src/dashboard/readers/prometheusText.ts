/**
 * Reads the Prometheus text exposition format (what `fraudops stream` serves on /metrics) into samples, and
 * estimates quantiles from histogram buckets the way PromQL's histogram_quantile does (linear within a bucket).
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;

export function parsePrometheusText(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) for (const l of m[3].matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    const v = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    out.push({ name: m[1], labels, value: v });
  }
  return out;
}

/** Sum of every sample of `name` (over all label sets), or undefined when there is none. */
export function total(samples: Sample[], name: string): number | undefined {
  const xs = samples.filter((s) => s.name === name);
  return xs.length === 0 ? undefined : xs.reduce((a, s) => a + s.value, 0);
}

/** Cumulative bucket counts of histogram `name` (summed over label sets), by upper bound, ascending. */
export function buckets(samples: Sample[], name: string): { le: number; count: number }[] {
  const by = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    by.set(le, (by.get(le) ?? 0) + s.value);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count }));
}

/** Bucket counts of `now` minus `before` (the observations between two scrapes). */
export function bucketDelta(now: { le: number; count: number }[], before: { le: number; count: number }[]): { le: number; count: number }[] {
  const prev = new Map(before.map((b) => [b.le, b.count]));
  return now.map((b) => ({ le: b.le, count: Math.max(0, b.count - (prev.get(b.le) ?? 0)) }));
}

/** The q-quantile of cumulative buckets; undefined without observations. Above the last finite bound: that bound. */
export function histogramQuantile(q: number, cumulative: { le: number; count: number }[]): number | undefined {
  const n = cumulative.at(-1)?.count ?? 0;
  if (n <= 0) return undefined;
  const rank = q * n;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of cumulative) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      const inBucket = b.count - prevCount;
      return inBucket <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}
