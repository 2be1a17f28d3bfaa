import { describe, expect, it } from 'vitest';
import { fmtDuration, html, jsonScript, raw } from './html.js';

describe('dashboard > html', () => {
  it('escapes interpolated strings but not nested fragments', () => {
    const name = '<img src=x onerror=alert(1)>';
    const out = html`<p title="${'"q"'}">${name}${html`<b>${'&'}</b>`}${raw('<i>ok</i>')}</p>`.text;
    expect(out).toBe('<p title="&quot;q&quot;">&lt;img src=x onerror=alert(1)&gt;<b>&amp;</b><i>ok</i></p>');
  });

  it('renders arrays and drops null, undefined and false', () => {
    expect(html`<ul>${['a', 'b'].map((x) => html`<li>${x}</li>`)}${null}${undefined}${false}</ul>`.text).toBe('<ul><li>a</li><li>b</li></ul>');
  });

  it('keeps JSON data from closing its script element', () => {
    const out = jsonScript('d', { raw: '</script><script>alert(1)</script>' }).text;
    expect(out).not.toContain('</script><script>');
    expect(JSON.parse(out.replace(/^<script[^>]*>/, '').replace(/<\/script>$/, ''))).toEqual({ raw: '</script><script>alert(1)</script>' });
  });

  it('formats durations', () => {
    expect(fmtDuration(250)).toBe('250 ms');
    expect(fmtDuration(2500)).toBe('2.5 s');
    expect(fmtDuration(125_000)).toBe('2 min 5 s');
    expect(fmtDuration(undefined)).toBe('–');
  });
});
