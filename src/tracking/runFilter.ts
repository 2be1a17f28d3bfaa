/**
 * A small interpreter for the subset of MLflow's run-search syntax that `SearchRunsOptions` documents, for the
 * stores that search in memory (the embedded store). The MLflow backend sends the same strings to the server,
 * so a filter means the same on both.
 */
import type { Run } from './RunTracker.js';
import { invalid } from './TrackingError.js';

type Entity = 'metrics' | 'params' | 'tags' | 'attributes';
type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE';

interface Clause {
  entity: Entity;
  key: string;
  op: Op;
  value: string | number;
}

const ENTITY: Record<string, Entity> = {
  metric: 'metrics', metrics: 'metrics', param: 'params', params: 'params', parameter: 'params', parameters: 'params',
  tag: 'tags', tags: 'tags', attribute: 'attributes', attributes: 'attributes', attr: 'attributes', run: 'attributes',
};
const ATTRIBUTES = new Set(['status', 'run_name', 'run_id', 'start_time', 'end_time', 'experiment_id']);
const CLAUSE =
  /^(?<entity>[a-z]+)\.(?<key>`[^`]+`|"[^"]+"|[\w.\-/:]+)\s*(?<op>!=|>=|<=|=|<|>|\s(?:I?LIKE)\s)\s*(?<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[-+]?[\d.]+(?:[eE][-+]?\d+)?)$/i;

export function compileRunFilter(filter: string): (run: Run) => boolean {
  const clauses = splitAnd(filter.trim()).map(parseClause);
  return (run) => clauses.every((c) => matches(c, run));
}

/** A comparator for `orderBy` entries like `metrics.auc DESC`; missing values sort last, ties newest first. */
export function compareRuns(orderBy: string[]): (a: Run, b: Run) => number {
  const keys = orderBy.map((spec) => {
    const m = /^\s*(?:(?<entity>[a-z]+)\.)?(?<key>`[^`]+`|"[^"]+"|[\w.\-/:]+)\s*(?<dir>ASC|DESC)?\s*$/i.exec(spec);
    if (!m?.groups) throw invalid(`cannot parse order_by '${spec}'`, { field: 'orderBy' });
    const entity = m.groups.entity ? ENTITY[m.groups.entity.toLowerCase()] : 'attributes';
    if (!entity) throw invalid(`unknown entity in order_by '${spec}'`, { field: 'orderBy' });
    return { entity, key: unquote(m.groups.key), desc: (m.groups.dir ?? 'ASC').toUpperCase() === 'DESC' };
  });
  keys.push({ entity: 'attributes', key: 'start_time', desc: true }, { entity: 'attributes', key: 'run_id', desc: false });
  return (a, b) => {
    for (const k of keys) {
      const x = valueOf(a, k.entity, k.key);
      const y = valueOf(b, k.entity, k.key);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const c = x < y ? -1 : x > y ? 1 : 0;
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

function splitAnd(filter: string): string[] {
  if (filter === '') return [];
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
    } else if (/\s/.test(ch) && /^\s+and\s+/i.test(filter.slice(i))) {
      parts.push(filter.slice(start, i));
      const m = /^\s+and\s+/i.exec(filter.slice(i))!;
      i += m[0].length - 1;
      start = i + 1;
    }
  }
  parts.push(filter.slice(start));
  return parts.map((p) => p.trim());
}

function parseClause(text: string): Clause {
  const m = CLAUSE.exec(text);
  if (!m?.groups) throw invalid(`cannot parse search filter clause '${text}'`, { field: 'filter' });
  const entity = ENTITY[m.groups.entity.toLowerCase()];
  if (!entity) throw invalid(`unknown entity '${m.groups.entity}' in search filter`, { field: 'filter' });
  const key = unquote(m.groups.key);
  const op = m.groups.op.trim().toUpperCase() as Op;
  const raw = m.groups.value;
  const quoted = raw.startsWith("'") || raw.startsWith('"');
  if (entity === 'attributes' && !ATTRIBUTES.has(key)) throw invalid(`unknown run attribute '${key}'`, { field: 'filter' });
  const numeric = entity === 'metrics' || (entity === 'attributes' && (key === 'start_time' || key === 'end_time'));
  if (numeric === quoted) {
    throw invalid(`search filter '${text}' compares ${numeric ? 'a number with a string' : 'a string with a number'}`, { field: 'filter' });
  }
  if (numeric && (op === 'LIKE' || op === 'ILIKE')) throw invalid(`LIKE needs a string in '${text}'`, { field: 'filter' });
  const value = quoted ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : Number(raw);
  return { entity, key, op, value };
}

function unquote(key: string): string {
  return /^[`"]/.test(key) ? key.slice(1, -1) : key;
}

function valueOf(run: Run, entity: Entity, key: string): string | number | undefined {
  switch (entity) {
    case 'metrics': return run.data.metrics[key];
    case 'params': return run.data.params[key];
    case 'tags': return run.data.tags[key];
    case 'attributes':
      switch (key) {
        case 'status': return run.info.status;
        case 'run_name': return run.info.runName;
        case 'run_id': return run.info.runId;
        case 'experiment_id': return run.info.experimentId;
        case 'start_time': return run.info.startTime;
        case 'end_time': return run.info.endTime;
        default: return undefined;
      }
  }
}

function matches(c: Clause, run: Run): boolean {
  const actual = valueOf(run, c.entity, c.key);
  if (actual === undefined) return false;
  if (c.op === 'LIKE' || c.op === 'ILIKE') {
    const pattern = String(c.value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
    return new RegExp(`^${pattern}$`, c.op === 'ILIKE' ? 'is' : 's').test(String(actual));
  }
  const a = actual;
  const b = c.value;
  switch (c.op) {
    case '=': return a === b;
    case '!=': return a !== b;
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
  }
}
