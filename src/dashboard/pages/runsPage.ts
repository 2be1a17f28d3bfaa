/**
 * Runs: the pipeline's runs newest first, and one run in full: its DAG drawn with each task's state, duration and
 * attempts, a table of the tasks with their errors and what they produced, every task's log lines, and the Retry
 * and Cancel buttons (they post to the server, which calls what `fraudops runs retry|cancel` call).
 */
import type { RunDetail, RunSummary } from '../../pipeline/engine/RunsClient.js';
import type { LogLine } from '../../pipeline/engine/RunStore.js';
import { fmtDuration, fmtTime, html, type Html } from '../html.js';
import type { RunView } from '../readers/runsReader.js';
import { dagSvg } from './dagSvg.js';
import { produced } from '../../pipeline/produced.js';

export function runHref(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

export function runsListBody(runs: RunSummary[], where: string): Html {
  if (runs.length === 0) {
    return html`<p>No pipeline run is kept in <code>${where}</code> yet. Start one with <code>fraudops pipeline run --raw &lt;uri&gt; --lake &lt;uri&gt;</code>, or point the dashboard at where your runs are kept with <code>--db</code>.</p>`;
  }
  return html`<p class="lede">Runs kept in <code>${where}</code>, newest first.</p>
<table class="data"><caption>Pipeline runs</caption>
<thead><tr><th scope="col">run</th><th scope="col">state</th><th scope="col">logical date</th><th scope="col">started</th><th scope="col">last change</th><th scope="col">retry of</th><th scope="col">error</th></tr></thead>
<tbody>${runs.map(
    (r) =>
      html`<tr${r.state === 'failed' ? html` class="bad"` : ''}><th scope="row"><a href="${runHref(r.runId)}">${r.runId}</a></th><td>${stateBadge(r.state)}</td><td>${r.logicalDate}</td><td>${fmtTime(r.createdAt)}</td><td>${fmtTime(r.updatedAt)}</td><td>${r.retryOf ? html`<a href="${runHref(r.retryOf)}">${r.retryOf}</a>` : '–'}</td><td>${r.error ?? ''}</td></tr>`,
  )}</tbody>
</table>`;
}

export function runBody(v: RunView, notice?: Html): Html {
  const r = v.run;
  const logsByTask = new Map<string, LogLine[]>();
  for (const l of v.logs) (logsByTask.get(l.task) ?? logsByTask.set(l.task, []).get(l.task)!).push(l);
  const nodes = r.tasks.map((t) => ({ name: t.task, after: v.after[t.task] ?? [], state: t.state, attempts: t.attempts, durationMs: t.durationMs }));
  return html`<p><a href="/runs">← Runs</a></p>
${notice ?? ''}
<dl class="stats small" aria-label="Run">
<div><dt>state</dt><dd>${stateBadge(r.state)}</dd></div>
<div><dt>logical date</dt><dd>${r.logicalDate}</dd></div>
<div><dt>started</dt><dd>${fmtTime(r.createdAt)}</dd></div>
<div><dt>executor</dt><dd>${r.executorId ?? '–'}</dd></div>
${r.retryOf ? html`<div><dt>retry of</dt><dd><a href="${runHref(r.retryOf)}">${r.retryOf}</a></dd></div>` : ''}
</dl>
${r.error ? html`<p role="alert" class="bad">${r.error}</p>` : ''}
${actions(r)}
<section aria-labelledby="dag-h">
<h2 id="dag-h">Tasks as a DAG</h2>
<figure>${dagSvg(nodes, { title: `DAG of run ${r.runId}: each task with its state`, href: (task) => `#task-${task}` })}
<figcaption>Each box is a task, coloured by its state, with its duration and attempts; arrows run from a task to the tasks that wait for it.</figcaption></figure>
</section>
<section aria-labelledby="tasks-h">
<h2 id="tasks-h">Tasks</h2>
<table class="data tasks"><caption>Every task of the run in DAG order</caption>
<thead><tr><th scope="col">task</th><th scope="col">state</th><th scope="col">attempts</th><th scope="col">started</th><th scope="col">duration</th><th scope="col">error or result</th></tr></thead>
<tbody>${r.tasks.map(
    (t) =>
      html`<tr${t.state === 'failed' ? html` class="bad"` : ''}><th scope="row"><a href="#task-${t.task}">${t.task}</a></th><td>${stateBadge(t.state)}</td><td>${t.attempts}</td><td>${fmtTime(t.startedAt)}</td><td>${fmtDuration(t.durationMs)}</td><td>${
        t.error ? html`<strong>${t.error.code}</strong>: ${t.error.message}` : [produced(t), t.reason].filter(Boolean).join('; ')
      }</td></tr>`,
  )}</tbody>
</table>
</section>
<section aria-labelledby="logs-h">
<h2 id="logs-h">Logs per task</h2>
${r.tasks.map((t) => taskLogs(t.task, t.state, logsByTask.get(t.task) ?? []))}
</section>`;
}

function taskLogs(task: string, state: string, lines: LogLine[]): Html {
  return html`<details id="task-${task}" class="task-logs"${state === 'failed' ? html` open` : ''}>
<summary>${task} <span class="muted">(${state}, ${lines.length} line${lines.length === 1 ? '' : 's'})</span></summary>
${lines.length === 0 ? html`<p class="muted">No log lines.</p>` : html`<pre class="log">${lines.map((l) => `${fmtTime(l.at)}  ${l.message}\n`)}</pre>`}
</details>`;
}

function actions(r: RunDetail): Html {
  const base = runHref(r.runId);
  if (r.state === 'running' || r.state === 'queued') {
    return html`<form method="post" action="${base}/cancel" class="filters" aria-label="Cancel this run"><button type="submit" class="danger">Cancel run</button><span class="muted">Stops the current task; the teardown still runs (as <code>fraudops runs cancel</code>).</span></form>`;
  }
  if (r.state === 'failed' || r.state === 'cancelled') {
    return html`<form method="post" action="${base}/retry" class="filters" aria-label="Retry this run"><button type="submit">Retry failed tasks</button><span class="muted">Starts <code>${r.runId}:retry-n</code>: tasks that succeeded are reused, the failed one and what follows run again (as <code>fraudops runs retry</code>).</span></form>`;
  }
  return html``;
}

function stateBadge(state: string): Html {
  return html`<span class="badge state-${state}">${state}</span>`;
}
