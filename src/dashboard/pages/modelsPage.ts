/**
 * Models: the registered versions and their aliases, the evidence behind each validation decision (both
 * models' bootstrap distributions, drawn, with mean, CI, p-value, effect, test and decision), what the champion
 * relies on, and a side-by-side of any two versions.
 */
import { fmtNum, fmtTime, html, jsonScript, type Html } from '../html.js';
import type { FeatureImportance, RegistryOverview, ValidationEvidence, VersionSummary } from '../readers/modelsReader.js';
import { CHAMPION } from '../readers/modelsReader.js';

const TEST_METRICS = ['test_auc', 'test_ap', 'test_cp100', 'test_logloss'];

export function modelsBody(r: RegistryOverview, evidence: ValidationEvidence[], importance: FeatureImportance | undefined, importanceError?: string): Html {
  if (!r.exists) {
    return html`<p>No model is registered as <code>${r.registeredModel}</code> yet. Train one with <code>fraudops train</code>, then <code>fraudops validate</code> it.</p>`;
  }
  const newestFirst = [...r.versions].reverse();
  return html`
<p class="lede">Registered model <code>${r.registeredModel}</code>: ${r.versions.length} version${r.versions.length === 1 ? '' : 's'}; ${aliasSentence(r)}</p>
<section aria-labelledby="versions-h">
<h2 id="versions-h">Versions</h2>
<table class="data"><caption>Registered versions with their test-window metrics and last validation decision</caption>
<thead><tr><th scope="col">version</th><th scope="col">aliases</th><th scope="col">model</th><th scope="col">run</th><th scope="col">registered</th>${TEST_METRICS.map((m) => html`<th scope="col">${m}</th>`)}<th scope="col">last decision</th></tr></thead>
<tbody>${newestFirst.map(
    (v) => html`<tr><th scope="row">${v.version}</th><td>${aliasBadges(v.aliases)}</td><td>${v.kind}</td><td><code title="${v.runId ?? ''}">${v.runName ?? v.runId?.slice(0, 8) ?? '–'}</code></td><td>${fmtTime(v.createdAt)}</td>${TEST_METRICS.map((m) => html`<td>${fmtNum(v.metrics[m])}</td>`)}<td>${v.validation['validation.code'] ? html`<a href="#validation-v${v.version}">${v.validation['validation.code']}</a>` : '–'}</td></tr>`,
  )}</tbody>
</table>
${compareForm(r.versions)}
</section>
<section aria-labelledby="evidence-h">
<h2 id="evidence-h">Validation decisions</h2>
${evidence.length === 0 ? html`<p>No version has been compared with a champion yet (the first model is promoted without a comparison).</p>` : evidence.map((e) => evidenceBlock(e))}
${firstModels(r.versions, evidence)}
</section>
<section aria-labelledby="importance-h">
<h2 id="importance-h">What the champion relies on</h2>
${importance ? importanceChart(importance) : html`<p>${importanceError ?? 'No champion yet.'}</p>`}
</section>`;
}

function aliasSentence(r: RegistryOverview): Html {
  const entries = Object.entries(r.aliases).sort();
  if (entries.length === 0) return html`no alias is set (no champion yet).`;
  return html`${entries.map(([a, v], i) => html`${i > 0 ? ', ' : ''}<strong>${a}</strong> → version ${v}`)}.`;
}

function aliasBadges(aliases: string[]): Html {
  return html`${aliases.map((a) => html`<span class="badge ${a === CHAMPION ? 'champion' : 'alias'}">${a}</span> `)}`;
}

function compareForm(versions: VersionSummary[]): Html {
  if (versions.length < 2) return html``;
  const a = versions[versions.length - 2].version;
  const b = versions[versions.length - 1].version;
  const options = (selected: string) => versions.map((v) => html`<option value="${v.version}"${v.version === selected ? html` selected` : ''}>version ${v.version} (${v.kind})</option>`);
  return html`<form method="get" action="/models/compare" class="filters" aria-label="Compare two versions">
<label for="cmp-a">Version</label><select id="cmp-a" name="a">${options(a)}</select>
<label for="cmp-b">against version</label><select id="cmp-b" name="b">${options(b)}</select>
<button type="submit">Compare side by side</button>
</form>`;
}

/** Shared bins for two samples, so their histograms can be read against each other. */
export function histograms(samples: number[][], bins = 30): { x: number[]; counts: number[][]; width: number } {
  const all = samples.flat().filter(Number.isFinite);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (!(hi > lo)) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const x = Array.from({ length: bins }, (_, i) => lo + (i + 0.5) * width);
  const counts = samples.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    return c;
  });
  return { x, counts, width };
}

const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  return sorted[i] + (sorted[Math.min(i + 1, sorted.length - 1)] - sorted[i]) * (pos - i);
}

function evidenceBlock(e: ValidationEvidence): Html {
  const h = histograms([e.champion, e.candidate]);
  const champLabel = e.against.replace(/^models:\/[^@]+@/, '') || 'champion';
  const paired = e.candidate.length === e.champion.length && e.test !== 'course-t';
  const diffs = paired ? e.candidate.map((v, i) => v - e.champion[i]) : [];
  const d = paired ? histograms([diffs]) : undefined;
  const sortedC = [...e.candidate].sort((a, b) => a - b);
  const sortedA = [...e.champion].sort((a, b) => a - b);
  const promoted = e.decision === 'promote';
  const id = `v${e.version}`;
  return html`<article id="validation-${id}" class="evidence" aria-labelledby="validation-${id}-h">
<h3 id="validation-${id}-h">Version ${e.version} against ${champLabel}: <span class="${promoted ? 'good' : 'bad'}">${promoted ? 'promoted' : 'champion kept'}</span> <span class="code">[${e.code}]</span></h3>
<p>${e.reason}</p>
<table class="data compact"><caption>${e.metric} on the test window ${e.window}, ${e.candidate.length} bootstrap replicates</caption>
<thead><tr><th scope="col"></th><th scope="col">mean</th><th scope="col">95% interval of replicates</th></tr></thead>
<tbody>
<tr><th scope="row">candidate (version ${e.version})</th><td>${fmtNum(mean(e.candidate))}</td><td>[${fmtNum(quantile(sortedC, 0.025))}, ${fmtNum(quantile(sortedC, 0.975))}]</td></tr>
<tr><th scope="row">${champLabel}</th><td>${fmtNum(mean(e.champion))}</td><td>[${fmtNum(quantile(sortedA, 0.025))}, ${fmtNum(quantile(sortedA, 0.975))}]</td></tr>
</tbody></table>
<dl class="stats small">
<div><dt>test</dt><dd>${e.test}</dd></div>
<div><dt>effect (candidate − champion)</dt><dd>${fmtNum(e.meanDiff)}</dd></div>
<div><dt>CI of the effect</dt><dd>${e.ci ? `[${fmtNum(e.ci[0])}, ${fmtNum(e.ci[1])}]` : 'n/a'}</dd></div>
<div><dt>p-value</dt><dd>${fmtNum(e.pValue)}</dd></div>
<div><dt>alpha / min effect</dt><dd>${fmtNum(e.alpha, 3)} / ${fmtNum(e.minEffect)}</dd></div>
<div><dt>decision</dt><dd>${e.decision}</dd></div>
</dl>
<figure>
<div class="chart" data-chart="histogram" data-source="dist-${id}" role="img" aria-label="Histograms of the bootstrap distributions of ${e.metric} for version ${e.version} and ${champLabel}"></div>
<figcaption>Bootstrap distributions of ${e.metric}: replicates per bin for each model; dashed lines mark the means.</figcaption>
</figure>
${jsonScript(`dist-${id}`, {
  x: h.x,
  series: [
    { label: `${champLabel}`, values: h.counts[0] },
    { label: `candidate v${e.version}`, values: h.counts[1] },
  ],
  marks: [
    { label: `${champLabel} mean`, x: mean(e.champion) },
    { label: `candidate mean`, x: mean(e.candidate) },
  ],
})}
${
  d
    ? html`<figure>
<div class="chart" data-chart="histogram" data-source="diff-${id}" role="img" aria-label="Histogram of the paired differences in ${e.metric}, candidate minus champion"></div>
<figcaption>Paired differences (candidate − champion) per replicate; dashed lines mark zero and the effect's CI.</figcaption>
</figure>
${jsonScript(`diff-${id}`, {
  x: d.x,
  series: [{ label: 'candidate − champion', values: d.counts[0] }],
  marks: [{ label: 'no difference', x: 0 }, ...(e.ci ? [{ label: 'CI low', x: e.ci[0] }, { label: 'CI high', x: e.ci[1] }] : [])],
})}`
    : ''
}
</article>`;
}

function firstModels(versions: VersionSummary[], evidence: ValidationEvidence[]): Html {
  const shown = new Set(evidence.map((e) => e.version));
  const others = versions.filter((v) => v.validation['validation.code'] && !shown.has(v.version));
  if (others.length === 0) return html``;
  return html`<ul>${others.map((v) => html`<li id="validation-v${v.version}">Version ${v.version}: <strong>${v.validation['validation.code']}</strong> — ${v.validation['validation.reason'] ?? ''}</li>`)}</ul>`;
}

/** Horizontal bars as SVG: few enough features to draw on the server. */
function importanceChart(f: FeatureImportance): Html {
  const rowH = 22;
  const labelW = 320;
  const barW = 440;
  const max = Math.max(...f.features.map((x) => x.share), 1e-12);
  const height = f.features.length * rowH + 10;
  return html`<figure>
<svg class="bars" role="img" aria-labelledby="importance-title" viewBox="0 0 ${labelW + barW + 70} ${height}" width="${labelW + barW + 70}" height="${height}" preserveAspectRatio="xMinYMin meet">
<title id="importance-title">Feature importance of version ${f.version} (${f.kind}), ${f.measure}</title>
${f.features.map((x, i) => {
  const y = 5 + i * rowH;
  const w = Math.max(1, (x.share / max) * barW);
  return html`<g><text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${x.name}</text><rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}"><title>${x.name}: ${(x.share * 100).toFixed(1)}%</title></rect><text x="${labelW + w + 6}" y="${y + 15}">${(x.share * 100).toFixed(1)}%</text></g>`;
})}
</svg>
<figcaption>Champion (version ${f.version}, ${f.kind}): share of ${f.measure} per feature.</figcaption>
</figure>`;
}

export function compareBody(a: VersionSummary, b: VersionSummary): Html {
  const metricKeys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
  const paramKeys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
  const validationKeys = [...new Set([...Object.keys(a.validation), ...Object.keys(b.validation)])].sort();
  const row = (k: string, x: string, y: string, diff?: string) =>
    html`<tr${x !== y ? html` class="differs"` : ''}><th scope="row">${k}</th><td>${x}</td><td>${y}</td>${diff === undefined ? '' : html`<td>${diff}</td>`}</tr>`;
  const head = html`<thead><tr><th scope="col"></th><th scope="col">version ${a.version}</th><th scope="col">version ${b.version}</th></tr></thead>`;
  return html`
<p><a href="/models">← Models</a></p>
<table class="data side"><caption>Identity</caption>${head}<tbody>
${row('model', a.kind, b.kind)}${row('aliases', a.aliases.join(', ') || '–', b.aliases.join(', ') || '–')}${row('run', a.runName ?? a.runId ?? '–', b.runName ?? b.runId ?? '–')}${row('registered', fmtTime(a.createdAt), fmtTime(b.createdAt))}
</tbody></table>
<table class="data side"><caption>Metrics (last column: version ${b.version} − version ${a.version})</caption><thead><tr><th scope="col">metric</th><th scope="col">version ${a.version}</th><th scope="col">version ${b.version}</th><th scope="col">difference</th></tr></thead><tbody>
${metricKeys.map((k) => {
  const x = a.metrics[k];
  const y = b.metrics[k];
  return row(k, fmtNum(x), fmtNum(y), x === undefined || y === undefined ? '–' : fmtNum(y - x));
})}
</tbody></table>
<table class="data side"><caption>Parameters</caption>${head}<tbody>
${paramKeys.map((k) => row(k, a.params[k] ?? '–', b.params[k] ?? '–'))}
</tbody></table>
<table class="data side"><caption>Last validation</caption>${head}<tbody>
${validationKeys.map((k) => row(k.replace(/^validation\./, ''), a.validation[k] ?? '–', b.validation[k] ?? '–'))}
</tbody></table>`;
}
