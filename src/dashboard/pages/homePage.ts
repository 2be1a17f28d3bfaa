/** Overview: one line per morning question, each linking to the page that answers it in full. */
import { fmtInt, fmtNum, fmtTime, html, type Html } from '../html.js';
import type { RegistryOverview } from '../readers/modelsReader.js';
import type { QualityOverview } from '../readers/qualityReader.js';
import { CHAMPION } from '../readers/modelsReader.js';
import type { RunSummary } from '../../pipeline/engine/RunsClient.js';
import { runHref } from './runsPage.js';

export function homeBody(o: { runs: RunSummary[]; quality?: QualityOverview; registry?: RegistryOverview }): Html {
  return html`<ul class="cards">
<li><h2><a href="/runs">Did last night's run succeed?</a></h2>${runLine(o.runs[0])}</li>
<li><h2><a href="/quality">How dirty was the new data?</a></h2>${qualityLine(o.quality)}</li>
<li><h2><a href="/models">Was a new model promoted, and on what evidence?</a></h2>${modelLine(o.registry)}</li>
</ul>`;
}

function runLine(r: RunSummary | undefined): Html {
  if (!r) return html`<p>No pipeline run yet.</p>`;
  return html`<p>Latest run <a href="${runHref(r.runId)}"><code>${r.runId}</code></a>: <strong class="${r.state === 'succeeded' ? 'good' : r.state === 'failed' ? 'bad' : ''}">${r.state}</strong>, started ${fmtTime(r.createdAt)}.${r.error ? html` ${r.error}` : ''}</p>`;
}

function qualityLine(q: QualityOverview | undefined): Html {
  if (!q) return html`<p>No lake given (<code>--lake</code>).</p>`;
  const last = q.files[q.files.length - 1];
  if (!last) return html`<p>Nothing committed to <code>${q.lake}</code> yet.</p>`;
  const run = q.lastRun;
  const problems = run ? run.changed.length + run.errors.length : 0;
  const a = last.account;
  return html`<p>Latest file <code>${last.file}</code> (committed ${last.committedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}): ${fmtInt(a.rowsIn)} rows in, ${fmtInt(a.kept)} kept, ${fmtInt(a.duplicates)} duplicates, ${fmtInt(a.quarantinedTotal)} quarantined.${
    run ? html` Last preparation run ${fmtTime(Date.parse(run.finishedAt))}: ${run.files} new file${run.files === 1 ? '' : 's'}, ${problems === 0 ? 'no problem files' : html`<strong class="bad">${problems} changed or unreadable</strong>`}.` : ''
  }</p>`;
}

function modelLine(r: RegistryOverview | undefined): Html {
  if (!r) return html`<p>No tracking store given (<code>--tracking</code>).</p>`;
  const champ = r.versions.find((v) => v.aliases.includes(CHAMPION));
  if (!champ) return html`<p>No champion yet.</p>`;
  const latest = r.versions[r.versions.length - 1];
  const decided = latest.validation['validation.code'];
  return html`<p>Champion: version ${champ.version} (${champ.kind}), test AP ${fmtNum(champ.metrics.test_ap)}, AUC ${fmtNum(champ.metrics.test_auc)}. Latest version ${latest.version}: ${
    decided ? html`${latest.validation['validation.decision']} [${decided}], p = ${fmtNum(Number(latest.validation['validation.p_value']))}` : 'not validated yet'
  }.</p>`;
}
