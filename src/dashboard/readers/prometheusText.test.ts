import { describe, expect, it } from 'vitest';
import { bucketDelta, buckets, histogramQuantile, parsePrometheusText, total } from './prometheusText.js';

const TEXT = `# HELP fraudops_stream_consumed_total input messages consumed
# TYPE fraudops_stream_consumed_total counter
fraudops_stream_consumed_total 1500
fraudops_stream_dead_letters_total{reason="bad_datetime"} 3
fraudops_stream_dead_letters_total{reason="column_count"} 2
fraudops_stream_lag{topic="transactions",partition="0"} 10
fraudops_stream_lag{topic="transactions",partition="1"} 0
fraudops_stream_model_version{model="fraudops-fraud"} 2
fraudops_stream_latency_seconds_bucket{le="0.1"} 50
fraudops_stream_latency_seconds_bucket{le="0.5"} 90
fraudops_stream_latency_seconds_bucket{le="1"} 100
fraudops_stream_latency_seconds_bucket{le="+Inf"} 100
fraudops_stream_latency_seconds_sum 20
fraudops_stream_latency_seconds_count 100
odd_label{path="a\\"b,c"} 1 1700000000000
`;

describe('dashboard > prometheus text', () => {
  const s = parsePrometheusText(TEXT);

  it('reads names, labels (escapes included) and values, skipping comments', () => {
    expect(total(s, 'fraudops_stream_consumed_total')).toBe(1500);
    expect(total(s, 'fraudops_stream_dead_letters_total')).toBe(5);
    expect(s.filter((x) => x.name === 'fraudops_stream_lag').map((x) => [x.labels.partition, x.value])).toEqual([
      ['0', 10],
      ['1', 0],
    ]);
    expect(s.find((x) => x.name === 'odd_label')?.labels.path).toBe('a"b,c');
    expect(total(s, 'missing')).toBeUndefined();
  });

  it('estimates quantiles from buckets like histogram_quantile', () => {
    const b = buckets(s, 'fraudops_stream_latency_seconds');
    expect(b.map((x) => x.le)).toEqual([0.1, 0.5, 1, Infinity]);
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.7, b)).toBeCloseTo(0.3);
    expect(histogramQuantile(0.95, b)).toBeCloseTo(0.75);
    expect(histogramQuantile(0.5, bucketDelta(b, b))).toBeUndefined();
  });
});
