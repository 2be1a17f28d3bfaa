/**
 * Stream: is scoring keeping up, and how many replicas does it need? Live numbers from the scorers' /metrics,
 * pushed to the page by server-sent events (no reload), and the throughput history from the tracker.
 */
import { fmtInt, fmtTime, html, jsonScript, type Html } from '../html.js';
import type { StreamSnapshot } from '../readers/streamWatcher.js';
import type { ThroughputHistory } from '../readers/streamHistory.js';

const rate = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(v < 10 ? 1 : 0)}/s`);
const seconds = (v: number | undefined) => (v === undefined ? '–' : v < 1 ? `${(v * 1000).toFixed(0)} ms` : `${v.toFixed(2)} s`);
const count = (v: number | undefined) => (v === undefined ? '–' : fmtInt(Math.round(v)));

/** The formatted live fields; the browser script formats the same way (keep the two in step). */
export function liveFields(s: StreamSnapshot): Record<string, string> {
  return {
    consumedPerSecond: rate(s.consumedPerSecond),
    producedPerSecond: rate(s.producedPerSecond),
    consumedTotal: count(s.consumedTotal),
    producedTotal: count(s.producedTotal),
    deadLettersTotal: count(s.deadLettersTotal),
    modelVersion: s.modelVersions.length === 0 ? '–' : s.modelVersions.join(', '),
    ready: `${s.ready} of ${s.endpoints.length}`,
    p50: seconds(s.latency.p50),
    p95: seconds(s.latency.p95),
    p99: seconds(s.latency.p99),
    latencyWindow: s.latency.observations === 0 ? 'no predictions yet' : s.latency.windowSeconds > 0 ? `last ${s.latency.windowSeconds} s, ${fmtInt(s.latency.observations)} predictions` : `since start, ${fmtInt(s.latency.observations)} predictions`,
    // A scorer that never computed advice still exports the gauge at 0; 0 replicas is never real advice.
    replicasNeeded: s.replicasNeeded === undefined || s.replicasNeeded <= 0 ? 'not reported' : String(s.replicasNeeded),
    updatedAt: fmtTime(s.at),
  };
}

function field(name: string, label: string, value: string): Html {
  return html`<div><dt>${label}</dt><dd data-field="${name}">${value}</dd></div>`;
}

export function streamBody(o: { snapshot?: StreamSnapshot; history: ThroughputHistory; historyError?: string }): Html {
  const s = o.snapshot;
  if (!s) {
    return html`<p>No scorer to watch. Start the dashboard with <code>--stream-metrics http://127.0.0.1:9464/metrics</code> (the <code>/metrics</code> of each <code>fraudops stream</code> replica, comma-separated).</p>${historySection(o.history, o.historyError)}`;
  }
  const f = liveFields(s);
  return html`
<p class="lede">Watching ${s.endpoints.length} scorer endpoint${s.endpoints.length === 1 ? '' : 's'}; live updates every second. Last update <span data-field="updatedAt">${f.updatedAt}</span>.</p>
<div id="live" data-live-source="/stream/events" data-updates="0">
<section aria-labelledby="endpoints-h">
<h2 id="endpoints-h">Scorers</h2>
<ul id="endpoints">${s.endpoints.map((e) => html`<li><code>${e.url}</code>: <span class="${e.up ? 'good' : 'bad'}">${e.up ? 'up' : `down (${e.error ?? '?'})`}</span></li>`)}</ul>
</section>
<section aria-labelledby="rates-h">
<h2 id="rates-h">Throughput</h2>
<dl class="stats">
${field('consumedPerSecond', 'input rate', f.consumedPerSecond)}${field('producedPerSecond', 'output rate', f.producedPerSecond)}${field('consumedTotal', 'consumed', f.consumedTotal)}${field('producedTotal', 'predictions', f.producedTotal)}${field('deadLettersTotal', 'dead letters', f.deadLettersTotal)}${field('modelVersion', 'model version', f.modelVersion)}${field('ready', 'replicas ready', f.ready)}
</dl>
<figure>
<div class="chart" data-chart="live-rates" data-source="live-rates" role="img" aria-label="Input and output rate per second, live"></div>
<figcaption>Input and output messages per second since this page opened.</figcaption>
</figure>
${jsonScript('live-rates', { x: [s.at / 1000], series: [{ label: 'input/s', values: [s.consumedPerSecond ?? null] }, { label: 'output/s', values: [s.producedPerSecond ?? null] }] })}
</section>
<section aria-labelledby="latency-h">
<h2 id="latency-h">Latency, input record to prediction</h2>
<dl class="stats">${field('p50', 'p50', f.p50)}${field('p95', 'p95', f.p95)}${field('p99', 'p99', f.p99)}</dl>
<p class="muted" data-field="latencyWindow">${f.latencyWindow}</p>
</section>
<section aria-labelledby="lag-h">
<h2 id="lag-h">Lag per partition</h2>
<table class="data compact"><caption>Messages behind the end of each input partition</caption>
<thead><tr><th scope="col">topic</th><th scope="col">partition</th><th scope="col">lag</th></tr></thead>
<tbody id="lag-rows">${s.lag.map((l) => html`<tr><td>${l.topic}</td><td>${l.partition}</td><td>${fmtInt(l.lag)}</td></tr>`)}</tbody>
</table>
</section>
<section aria-labelledby="dead-h">
<h2 id="dead-h">Dead letters by reason</h2>
<ul id="dead-reasons">${Object.entries(s.deadLettersByReason).map(([r, n]) => html`<li>${r}: ${fmtInt(n)}</li>`)}</ul>
</section>
<section aria-labelledby="capacity-h">
<h2 id="capacity-h">Capacity</h2>
<dl class="stats">${field('replicasNeeded', 'replicas needed for the input rate', f.replicasNeeded)}</dl>
<p class="muted">As the scorer computes it from the input rate (<code>fraudops_capacity_replicas_needed</code>; see <code>fraudops capacity</code>).</p>
</section>
</div>
${historySection(o.history, o.historyError)}`;
}

function historySection(h: ThroughputHistory, error?: string): Html {
  return html`<section aria-labelledby="history-h">
<h2 id="history-h">Throughput history</h2>
${
  error
    ? html`<p role="alert">${error}</p>`
    : h.x.length === 0
      ? html`<p>No scorer has logged throughput to the tracker yet (<code>fraudops stream --track-every 60s</code>).</p>`
      : html`<figure>
<div class="chart" data-chart="lines" data-source="stream-history" role="img" aria-label="Input and output rate per second over time, from the tracker"></div>
<figcaption>As the scorers logged it to the tracker, ${h.runs.length} session${h.runs.length === 1 ? '' : 's'}: ${h.runs.map((r, i) => html`${i > 0 ? '; ' : ''}${r.runName} (${r.status}, from ${fmtTime(r.startTime)})`)}.</figcaption>
</figure>
${jsonScript('stream-history', { x: h.x, series: [{ label: 'input/s', values: h.consumed }, { label: 'output/s', values: h.produced }] })}`
}
</section>`;
}
