/**
 * Data quality: what each raw file and each day brought in and what preparation did with it, the quarantined
 * lines behind every count, and the files a run found changed or unreadable.
 */
import { FIX_RULES, QUARANTINE_REASONS } from '../../quality.js';
import type { FileAccount } from '../../prepare/report.js';
import { addAccount, emptyAccount } from '../../prepare/report.js';
import { fmtInt, fmtTime, html, jsonScript, type Html } from '../html.js';
import type { QualityOverview, QuarantinePage } from '../readers/qualityReader.js';

export interface DayQuality {
  day: string;
  files: string[];
  account: FileAccount;
}

export function byDay(q: QualityOverview): DayQuality[] {
  const days = new Map<string, DayQuality>();
  for (const f of q.files) {
    let d = days.get(f.day);
    if (!d) days.set(f.day, (d = { day: f.day, files: [], account: emptyAccount() }));
    d.files.push(f.file);
    addAccount(d.account, f.account);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

export interface StackedSeries {
  label: string;
  values: number[];
}

/**
 * The stacked charts' data: every row of a day lands in exactly one series, so the stack's height is rows in.
 * `composition` splits all rows (kept as is, kept after a fix, duplicates, quarantined by reason); `problems`
 * leaves out the clean rows so the few defective ones are visible at their own scale.
 */
export function stackedSeries(days: DayQuality[]): { x: number[]; composition: StackedSeries[]; problems: StackedSeries[] } {
  const x = days.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000);
  const present = <T extends string>(names: readonly T[], get: (a: FileAccount, n: T) => number) =>
    names.filter((n) => days.some((d) => get(d.account, n) > 0)).map((n) => ({ label: n, values: days.map((d) => get(d.account, n)) }));
  const fixes = present(FIX_RULES, (a, n) => a.fixed[n]).map((s) => ({ ...s, label: `fixed: ${s.label}` }));
  const reasons = present(QUARANTINE_REASONS, (a, n) => a.quarantined[n]).map((s) => ({ ...s, label: `quarantined: ${s.label}` }));
  const duplicates = { label: 'duplicates', values: days.map((d) => d.account.duplicates) };
  const clean = { label: 'kept as is', values: days.map((d) => d.account.kept - sum(d.account.fixed)) };
  const fixedAll = { label: 'kept after a fix', values: days.map((d) => sum(d.account.fixed)) };
  return { x, composition: [clean, fixedAll, duplicates, ...reasons], problems: [...fixes, duplicates, ...reasons] };
}

export function qualityBody(q: QualityOverview): Html {
  const days = byDay(q);
  const total = emptyAccount();
  for (const d of days) addAccount(total, d.account);
  const charts = stackedSeries(days);
  const problems = problemFiles(q);
  return html`
<p class="lede">Lake <code>${q.lake}</code>: ${fmtInt(q.files.length)} raw files committed; ${
    q.lastRun
      ? html`last preparation run finished ${fmtTime(Date.parse(q.lastRun.finishedAt))} (${fmtInt(q.lastRun.files)} new, ${fmtInt(q.lastRun.alreadyProcessed)} already processed, from <code>${q.lastRun.raw}</code>).`
      : 'no preparation run has recorded what it saw yet.'
  }</p>
<section aria-labelledby="totals-h">
<h2 id="totals-h">Totals</h2>
<dl class="stats">
${stat('rows in', total.rowsIn)}${stat('kept', total.kept)}${stat('fixed (kept)', sum(total.fixed))}${stat('duplicates', total.duplicates)}${stat('quarantined', total.quarantinedTotal)}${stat('flagged zero amount', total.flagged.zero_amount)}
</dl>
</section>
<section aria-labelledby="problems-h">
<h2 id="problems-h">Files reported changed or unreadable</h2>
${
  problems.length === 0
    ? html`<p class="ok">${q.lastRun ? 'The last preparation run found no changed or unreadable raw file.' : 'No preparation run has reported yet.'}</p>`
    : html`<table class="data"><caption>As the last preparation run found them (nothing of these files reached the lake)</caption>
<thead><tr><th scope="col">file</th><th scope="col">problem</th><th scope="col">line</th><th scope="col">detail</th></tr></thead>
<tbody>${problems.map((p) => html`<tr class="bad"><td><code>${p.file}</code></td><td>${p.code}</td><td>${p.line ?? ''}</td><td>${p.detail}</td></tr>`)}</tbody></table>`
}
</section>
<section aria-labelledby="stack-h">
<h2 id="stack-h">Rows per day, by outcome</h2>
<figure>
<div class="chart" data-chart="stacked" data-source="chart-composition" role="img" aria-label="Stacked bars per day: rows kept as is, kept after a fix, duplicates, and quarantined by reason"></div>
<figcaption>Each day's bar is its rows in: kept as is, kept after a fix, duplicates and quarantined lines by reason.</figcaption>
</figure>
${jsonScript('chart-composition', { x: charts.x, series: charts.composition })}
<figure>
<div class="chart" data-chart="stacked" data-source="chart-problems" role="img" aria-label="Stacked bars per day of fixed, duplicate and quarantined rows"></div>
<figcaption>Only the rows preparation had to act on, at their own scale: fixes by rule, duplicates, quarantined by reason.</figcaption>
</figure>
${jsonScript('chart-problems', { x: charts.x, series: charts.problems })}
</section>
<section aria-labelledby="days-h">
<h2 id="days-h">Per day</h2>
<table class="data"><caption>Accounts of the raw files of each day (rows in = kept + duplicates + quarantined)</caption>
<thead><tr><th scope="col">day</th><th scope="col">files</th>${accountHeads()}</tr></thead>
<tbody>${days.map((d) => html`<tr><th scope="row">${d.day}</th><td>${d.files.length}</td>${accountCells(d.account)}</tr>`)}</tbody>
</table>
</section>
<section aria-labelledby="files-h">
<h2 id="files-h">Per raw file</h2>
<table class="data"><caption>One row per committed raw file; quarantined counts open the lines</caption>
<thead><tr><th scope="col">file</th><th scope="col">commit</th><th scope="col">committed</th>${accountHeads()}<th scope="col">quarantined by reason</th></tr></thead>
<tbody>${q.files.map(
    (f) => html`<tr><th scope="row"><code>${f.file}</code></th><td>${f.seq}</td><td>${f.committedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>${accountCells(f.account, f.file)}<td>${reasonLinks(f.file, f.account)}</td></tr>`,
  )}</tbody>
</table>
</section>`;
}

function stat(label: string, n: number): Html {
  return html`<div><dt>${label}</dt><dd>${fmtInt(n)}</dd></div>`;
}

function accountHeads(): Html {
  return html`<th scope="col">rows in</th><th scope="col">kept</th><th scope="col">fixed</th><th scope="col">duplicates</th><th scope="col">quarantined</th>`;
}

function accountCells(a: FileAccount, file?: string): Html {
  const q = file && a.quarantinedTotal > 0 ? html`<a href="${quarantineHref(file)}">${fmtInt(a.quarantinedTotal)}</a>` : fmtInt(a.quarantinedTotal);
  return html`<td>${fmtInt(a.rowsIn)}</td><td>${fmtInt(a.kept)}</td><td>${fmtInt(sum(a.fixed))}</td><td>${fmtInt(a.duplicates)}</td><td>${q}</td>`;
}

function reasonLinks(file: string, a: FileAccount): Html {
  const reasons = QUARANTINE_REASONS.filter((r) => a.quarantined[r] > 0);
  return html`${reasons.map((r, i) => html`${i > 0 ? ', ' : ''}<a href="${quarantineHref(file, r)}">${r} ${fmtInt(a.quarantined[r])}</a>`)}`;
}

export function quarantineHref(file: string, reason?: string, offset?: number): string {
  const p = new URLSearchParams({ file });
  if (reason) p.set('reason', reason);
  if (offset) p.set('offset', String(offset));
  return `/quality/quarantine?${p}`;
}

interface ProblemFile {
  file: string;
  code: string;
  line?: number;
  detail: string;
}

/** The files the last run found changed or unreadable. */
function problemFiles(q: QualityOverview): ProblemFile[] {
  const run = q.lastRun;
  if (!run) return [];
  const changed = run.changed.map((c) => ({
    file: c.file,
    code: 'CHANGED',
    detail: `content changed after commit ${c.processed.commitSeq} (size ${fmtInt(c.processed.size)} → ${fmtInt(c.now.size)} bytes); not reprocessed`,
  }));
  const failed = run.errors.map((e) => ({ file: e.file, code: e.code, line: e.line, detail: e.message }));
  return [...changed, ...failed].sort((a, b) => a.file.localeCompare(b.file));
}

export function quarantineBody(p: QuarantinePage, reasons: string[]): Html {
  const limit = 100;
  const prev = p.offset > 0 ? quarantineHref(p.file, p.reason, Math.max(0, p.offset - limit)) : undefined;
  const next = p.offset + p.lines.length < p.total ? quarantineHref(p.file, p.reason, p.offset + limit) : undefined;
  return html`
<p><a href="/quality">← Data quality</a></p>
<form method="get" action="/quality/quarantine" class="filters">
<input type="hidden" name="file" value="${p.file}">
<label for="reason">Reason</label>
<select id="reason" name="reason">
<option value=""${p.reason ? '' : html` selected`}>all reasons</option>
${reasons.map((r) => html`<option value="${r}"${p.reason === r ? html` selected` : ''}>${r}</option>`)}
</select>
<button type="submit">Show</button>
</form>
<p aria-live="polite">${fmtInt(p.total)} quarantined line${p.total === 1 ? '' : 's'} in <code>${p.file}</code>${p.reason ? html` with reason <strong>${p.reason}</strong>` : ''}${
    p.total > 0 ? html`; showing ${fmtInt(p.offset + 1)}–${fmtInt(p.offset + p.lines.length)}` : ''
  }.</p>
<table class="data quarantine"><caption>Quarantined lines as read from the raw file</caption>
<thead><tr><th scope="col">file</th><th scope="col">line</th><th scope="col">reason</th><th scope="col">raw text</th></tr></thead>
<tbody>${p.lines.map(
    (l) =>
      html`<tr><td><code>${l.file}</code></td><td>${l.line}</td><td>${l.reason}</td><td><code class="raw">${
        l.raw ?? html`<span class="muted">(not text, ${Buffer.from(l.raw_base64 ?? '', 'base64').length} bytes) base64: ${l.raw_base64 ?? ''}</span>`
      }</code></td></tr>`,
  )}</tbody>
</table>
<nav aria-label="Pages of quarantined lines" class="pager">${prev ? html`<a href="${prev}" rel="prev">Previous</a>` : ''} ${next ? html`<a href="${next}" rel="next">Next</a>` : ''}</nav>`;
}
