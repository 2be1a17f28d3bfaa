/**
 * Live numbers of the Kafka scorers, read from what each `fraudops stream` replica serves on /metrics: input
 * and output rates (from counter deltas between scrapes), lag per partition, latency percentiles over the last
 * half minute (from histogram bucket deltas), dead letters by reason, the model version in use and the replicas
 * the scorer says the input rate needs. Scrapes only while someone watches, and hands every snapshot to the
 * watchers (the Stream page's server-sent events).
 */
import { bucketDelta, buckets, histogramQuantile, parsePrometheusText, total, type Sample } from './prometheusText.js';

export interface StreamSnapshot {
  at: number;
  endpoints: { url: string; up: boolean; error?: string }[];
  consumedTotal?: number;
  producedTotal?: number;
  consumedPerSecond?: number;
  producedPerSecond?: number;
  deadLettersTotal?: number;
  deadLettersByReason: Record<string, number>;
  lag: { topic: string; partition: string; lag: number }[];
  latency: { p50?: number; p95?: number; p99?: number; windowSeconds: number; observations: number };
  modelVersions: string[];
  ready: number;
  replicasNeeded?: number;
}

const LATENCY = 'fraudops_stream_latency_seconds';
const WINDOW_MS = 30_000;

interface Scrape {
  at: number;
  samples: Sample[];
}

export class StreamWatcher {
  private readonly watchers = new Set<(s: StreamSnapshot) => void>();
  private timer?: NodeJS.Timeout;
  private history: Scrape[] = [];
  private last?: StreamSnapshot;

  constructor(
    readonly endpoints: string[],
    private readonly intervalMs = 1000,
  ) {}

  /** Starts scraping with the first watcher; returns the function that stops watching. */
  watch(fn: (s: StreamSnapshot) => void): () => void {
    this.watchers.add(fn);
    if (this.last) fn(this.last);
    if (!this.timer) {
      const loop = async () => {
        const s = await this.scrape();
        for (const w of this.watchers) w(s);
        if (this.watchers.size > 0) this.timer = setTimeout(loop, this.intervalMs);
        else this.timer = undefined;
      };
      this.timer = setTimeout(loop, 0);
    }
    return () => {
      this.watchers.delete(fn);
      if (this.watchers.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** One scrape of every endpoint, folded into a snapshot (rates against the previous scrape). */
  async scrape(): Promise<StreamSnapshot> {
    const at = Date.now();
    const endpoints: StreamSnapshot['endpoints'] = [];
    const samples: Sample[] = [];
    await Promise.all(
      this.endpoints.map(async (url) => {
        try {
          const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          samples.push(...parsePrometheusText(await res.text()));
          endpoints.push({ url, up: true });
        } catch (e) {
          endpoints.push({ url, up: false, error: (e as Error).cause ? String((e as Error).cause) : (e as Error).message });
        }
      }),
    );
    const prev = this.history.at(-1);
    this.history.push({ at, samples });
    while (this.history.length > 2 && at - this.history[1].at >= WINDOW_MS) this.history.shift();
    const oldest = this.history[0];
    const snapshot = summarize(at, endpoints, samples, prev, oldest);
    this.last = snapshot;
    return snapshot;
  }

  close(): void {
    this.watchers.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function summarize(at: number, endpoints: StreamSnapshot['endpoints'], samples: Sample[], prev: Scrape | undefined, oldest: Scrape): StreamSnapshot {
  const consumedTotal = total(samples, 'fraudops_stream_consumed_total');
  const producedTotal = total(samples, 'fraudops_stream_produced_total');
  const rate = (name: string, gauge: string, now: number | undefined) => {
    const before = prev && total(prev.samples, name);
    if (prev && now !== undefined && before !== undefined && at > prev.at && now >= before) return ((now - before) * 1000) / (at - prev.at);
    return total(samples, gauge);
  };
  const dead: Record<string, number> = {};
  for (const s of samples) if (s.name === 'fraudops_stream_dead_letters_total') dead[s.labels.reason ?? '?'] = (dead[s.labels.reason ?? '?'] ?? 0) + s.value;
  const lagBy = new Map<string, { topic: string; partition: string; lag: number }>();
  for (const s of samples) {
    if (s.name !== 'fraudops_stream_lag') continue;
    const key = `${s.labels.topic}/${s.labels.partition}`;
    // Each replica reports the partitions it holds; the largest figure is the freshest view of a partition.
    const cur = lagBy.get(key);
    if (!cur || s.value > cur.lag) lagBy.set(key, { topic: s.labels.topic ?? '', partition: s.labels.partition ?? '', lag: s.value });
  }
  const nowBuckets = buckets(samples, LATENCY);
  const windowed = oldest !== undefined && oldest.at < at ? bucketDelta(nowBuckets, buckets(oldest.samples, LATENCY)) : nowBuckets;
  const useWindow = (windowed.at(-1)?.count ?? 0) > 0;
  const chosen = useWindow ? windowed : nowBuckets;
  return {
    at,
    endpoints,
    consumedTotal,
    producedTotal,
    consumedPerSecond: rate('fraudops_stream_consumed_total', 'fraudops_stream_consumed_per_second', consumedTotal),
    producedPerSecond: rate('fraudops_stream_produced_total', 'fraudops_stream_produced_per_second', producedTotal),
    deadLettersTotal: total(samples, 'fraudops_stream_dead_letters_total') ?? (samples.length > 0 ? 0 : undefined),
    deadLettersByReason: dead,
    lag: [...lagBy.values()].sort((a, b) => a.topic.localeCompare(b.topic) || Number(a.partition) - Number(b.partition)),
    latency: {
      p50: histogramQuantile(0.5, chosen),
      p95: histogramQuantile(0.95, chosen),
      p99: histogramQuantile(0.99, chosen),
      windowSeconds: useWindow ? Math.round((at - oldest.at) / 1000) : 0,
      observations: chosen.at(-1)?.count ?? 0,
    },
    modelVersions: [...new Set(samples.filter((s) => s.name === 'fraudops_stream_model_version').map((s) => String(s.value)))],
    ready: samples.filter((s) => s.name === 'fraudops_stream_ready' && s.value === 1).length,
    replicasNeeded: samples.some((s) => s.name === 'fraudops_capacity_replicas_needed') ? Math.max(...samples.filter((s) => s.name === 'fraudops_capacity_replicas_needed').map((s) => s.value)) : undefined,
  };
}
