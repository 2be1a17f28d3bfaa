/**
 * Server-side HTML without a template engine: a tagged template that escapes every interpolated value unless it
 * is already `Html` (produced by this tag or `raw`). Pages compose `Html` fragments, so nothing user-controlled
 * (file names, quarantined raw lines, error messages, run names) can reach the page unescaped.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return '';
  if (p instanceof Html) return p.text;
  if (Array.isArray(p)) return p.map(render).join('');
  return escapeHtml(String(p));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Trusted markup (built by this module's callers from escaped parts, or constant). */
export function raw(text: string): Html {
  return new Html(text);
}

/**
 * Data for the page's scripts, as `<script type="application/json">`: `<` is escaped so no value can close the
 * element, whatever it holds.
 */
export function jsonScript(id: string, value: unknown): Html {
  const json = JSON.stringify(value).replace(/</g, '\\u003c');
  return html`<script type="application/json" id="${id}">${raw(json)}</script>`;
}

export function fmtInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function fmtNum(n: number | undefined, digits = 4): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  return Math.abs(n) >= 1e-3 || n === 0 ? n.toFixed(digits) : n.toPrecision(3);
}

export function fmtTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function fmtDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
