/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) against a real `fraudops demo`
 * run: every page loads without console errors, draws its charts, passes the basic accessibility checks and
 * works from the keyboard; the drill-downs open; off loopback, requests without the token get 401.
 * Screenshots of every page land in test-artifacts/dashboard/.
 */
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featureNames } from '../src/features/spec.js';
import { openTracking } from '../src/tracking/openTracking.js';
import { accessibilityProblems, openPage, charts, collectErrors, launchChromium, screenshot } from './support/browser.js';
import { runCli, serveUi, type Served } from './support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fraudops-dashboard-'));
const lake = join(dir, 'lake');
const raw = join(dir, 'raw');
const tracking = join(dir, 'mlruns');
const db = join(dir, 'pipeline');
let demoOut = '';
let served: Served;
let browser: Browser;

/** The registered model and its versions as the demo's tracker holds them. */
async function registry(): Promise<{ aliases: Record<string, string>; tags: (version: string) => Promise<Record<string, string>> }> {
  const t = await openTracking(tracking, { mustExist: true });
  try {
    const { aliases } = await t.registry.getRegisteredModel('fraudops-fraud');
    const tags = new Map<string, Record<string, string>>();
    for (const v of ['1', '2']) tags.set(v, (await t.registry.getModelVersion('fraudops-fraud', v)).tags);
    return { aliases, tags: async (v) => tags.get(v) ?? {} };
  } finally {
    await t.close();
  }
}

beforeAll(async () => {
  const demo = await runCli(['demo', '--dir', dir, '--days', '35', '--customers', '500', '--terminals', '1000', '--seed', '3']);
  expect(demo.code, demo.stderr).toBe(0);
  demoOut = demo.stdout;
  // A processed file that changed afterwards, and a file that is not transactions: the next run reports both.
  appendFileSync(join(raw, '2019-08-22.txt'), '999999999,2019-08-22 10:00:00,1,1,1.00,36000,0,0,0\n');
  writeFileSync(join(raw, '2019-09-26.txt'), 'this is not a transaction file\n');
  const again = await runCli(['prepare', '--raw', raw, '--lake', lake, '--json']);
  expect(again.code, again.stderr).toBe(1);
  served = await serveUi(['--lake', lake, '--tracking', tracking, '--db', db]);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const open = (path: string) => openPage(browser, served.url, path);

describe('dashboard > demo', () => {
  it('fraudops demo ends by printing the dashboard command for its lake and tracking store', () => {
    const last = demoOut.trim().split('\n').at(-1)!;
    expect(last).toBe(`dashboard: npx fraudops ui --lake ${lake} --tracking ${tracking} --db ${db}`);
  });
});

describe('dashboard > pages', () => {
  it('overview answers the questions and links to each page', async () => {
    const { page, errors } = await open('/');
    expect(await page.title()).toBe('Overview · fraudops');
    expect(await accessibilityProblems(page)).toEqual([]);
    await expect(page.locator('main a[href="/quality"]').count()).resolves.toBe(1);
    expect(await page.locator('main').innerText()).toContain(`Champion: version ${(await registry()).aliases.champion}`);
    expect(await page.locator('main').innerText()).toMatch(/Latest run pipeline:demo:\S+: succeeded/);
    await screenshot(page, 'overview');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs shows the demo pipeline run with its DAG drawn, every task succeeded', async () => {
    const { page, errors } = await open('/runs');
    await page.locator('tbody tr th a').first().click();
    await page.waitForURL(/\/runs\/pipeline%3Ademo%3A/);
    expect(await accessibilityProblems(page)).toEqual([]);
    const boxes = page.locator('svg.dag a');
    expect(await boxes.count()).toBeGreaterThan(3);
    for (const cls of await boxes.evaluateAll((els) => els.map((e) => e.getAttribute('class')))) expect(cls).toContain('state-succeeded');
    expect(await page.locator('dl.stats dd').first().innerText()).toBe('succeeded');
    await screenshot(page, 'run-demo');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('data quality draws both stacked charts per day and lists the changed and unreadable files', async () => {
    const { page, errors } = await open('/quality');
    expect(await page.title()).toBe('Data quality · fraudops');
    expect(await accessibilityProblems(page)).toEqual([]);
    const drawn = await charts(page);
    expect(drawn.filter((c) => c.kind === 'stacked')).toEqual([
      { kind: 'stacked', points: 35, inked: true },
      { kind: 'stacked', points: 35, inked: true },
    ]);
    // The per-file table matches the lake's commit records.
    const commits = readdirSync(join(lake, '_fraudops', 'commits')).map((f) => JSON.parse(readFileSync(join(lake, '_fraudops', 'commits', f), 'utf8')));
    const first = commits.find((c) => c.raw.key === '2019-08-23.txt');
    const row = page.locator('section[aria-labelledby="files-h"] tbody tr', { hasText: '2019-08-23.txt' });
    expect(await row.locator('td').nth(2).innerText()).toBe(first.account.rowsIn.toLocaleString('en-US'));
    const problems = page.locator('section[aria-labelledby="problems-h"] tbody tr');
    expect(await problems.count()).toBe(2);
    expect(await problems.nth(0).innerText()).toMatch(/2019-08-22\.txt\s+CHANGED/);
    expect(await problems.nth(1).innerText()).toMatch(/2019-09-26\.txt\s+[A-Z_]+/);
    await screenshot(page, 'quality');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('data quality drills down into the quarantined lines of a file, filtered by reason', async () => {
    const { page, errors } = await open('/quality');
    const qfile = readdirSync(join(lake, 'quarantine'))[0];
    const lines = readFileSync(join(lake, 'quarantine', qfile), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const file = lines[0].file as string;
    await page.locator('section[aria-labelledby="files-h"] tbody tr', { hasText: file }).locator('td a').first().click();
    await page.waitForURL(/\/quality\/quarantine\?/);
    expect(await page.title()).toBe(`Quarantined lines of ${file} · fraudops`);
    const rows = page.locator('table.quarantine tbody tr');
    expect(await rows.count()).toBe(lines.length);
    const cells = await rows.first().locator('td').allInnerTexts();
    expect(cells).toEqual([file, String(lines[0].line), lines[0].reason, lines[0].raw]);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'quality-quarantine');
    // Filter by a reason this file does not have: nothing is listed; by its own: only those lines.
    const other = lines[0].reason === 'bad_datetime' ? 'column_count' : 'bad_datetime';
    await page.selectOption('#reason', other);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(new RegExp(`reason=${other}`));
    expect(await page.locator('table.quarantine tbody tr').count()).toBe(lines.filter((l) => l.reason === other).length);
    await page.selectOption('#reason', lines[0].reason);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(new RegExp(`reason=${lines[0].reason}`));
    expect(await page.locator('table.quarantine tbody tr').count()).toBe(lines.filter((l) => l.reason === lines[0].reason).length);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('models lists the versions and aliases and draws the validation evidence and feature importance', async () => {
    const { page, errors } = await open('/models');
    expect(await page.title()).toBe('Models · fraudops');
    expect(await accessibilityProblems(page)).toEqual([]);
    const versions = page.locator('section[aria-labelledby="versions-h"] tbody tr');
    expect(await versions.count()).toBe(2);
    const reg = await registry();
    const champion = reg.aliases.champion;
    const previous = reg.aliases['previous-champion'];
    expect(await versions.filter({ hasText: 'previous-champion' }).count()).toBe(previous ? 1 : 0);
    expect(await versions.nth(2 - Number(champion)).innerText()).toMatch(/^\d\s+champion\s/);
    expect(await versions.nth(1).innerText()).toMatch(/^1\s+(champion|previous-champion)\s+gbdt\s+train-gbdt/);
    const evidence = page.locator('article#validation-v2');
    const tags = await reg.tags('2');
    const text = await evidence.innerText();
    expect(text).toContain(`[${tags['validation.code']}]`);
    expect(text).toContain(Number(tags['validation.p_value']).toFixed(4));
    expect(text).toContain(Number(tags['validation.mean_diff']).toFixed(4));
    expect(text).toContain('paired-bootstrap');
    const drawn = await charts(page);
    const histograms = drawn.filter((c) => c.kind === 'histogram');
    expect(histograms.length).toBe(2);
    for (const h of histograms) expect(h).toEqual({ kind: 'histogram', points: 30, inked: true });
    const bars = drawn.find((c) => c.kind === 'svg-bars');
    // one bar per model input: the default spec's features
    expect(bars?.points).toBe(featureNames().length);
    // The histogram data holds every bootstrap replicate of both models.
    const counts = await page.evaluate(() => {
      const d = JSON.parse(document.getElementById('dist-v2')!.textContent!) as { series: { values: number[] }[] };
      return d.series.map((s) => s.values.reduce((a, b) => a + b, 0));
    });
    expect(counts).toEqual([500, 500]);
    await screenshot(page, 'models');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('models compares two versions side by side', async () => {
    const { page, errors } = await open('/models');
    await page.selectOption('#cmp-a', '1');
    await page.selectOption('#cmp-b', '2');
    await page.getByRole('button', { name: 'Compare side by side' }).click();
    await page.waitForURL(/\/models\/compare\?a=1&b=2/);
    expect(await page.title()).toBe('Version 1 and version 2 side by side · fraudops');
    const identity = await page.locator('table.side').first().innerText();
    expect(identity).toMatch(/model\s+gbdt\s+logreg/);
    expect(await page.locator('table.side tr', { hasText: 'test_auc' }).count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'models-compare');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('stream, with no scorer given, says how to give one and loads cleanly', async () => {
    const { page, errors } = await open('/stream');
    expect(await page.title()).toBe('Stream · fraudops');
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await page.locator('main').innerText()).toContain('--stream-metrics');
    expect((await fetch(new URL('/stream/events', served.url))).status).toBe(404);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('unknown pages and versions answer 404 with a page, not a stack trace', async () => {
    const page = await browser.newPage();
    const res = await page.goto(new URL('/models/compare?a=1&b=99', served.url).href);
    expect(res?.status()).toBe(404);
    expect(await page.locator('[role=alert]').innerText()).toContain('99');
    const missing = await page.goto(new URL('/quality/quarantine?file=nope.txt', served.url).href);
    expect(missing?.status()).toBe(404);
    expect(await page.content()).not.toMatch(/at .*\.ts:\d+/);
    await page.close();
  });
});

describe('dashboard > keyboard', () => {
  it('skips to the content, reaches every nav link and follows them with Enter', async () => {
    const { page, errors } = await open('/');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.goto(new URL('/', served.url).href);
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      seen.push((await page.evaluate(() => document.activeElement?.textContent?.trim())) ?? '');
    }
    expect(seen.slice(1, 6)).toEqual(['Overview', 'Runs', 'Data quality', 'Models', 'Stream']);
    await page.goto(new URL('/', served.url).href);
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/quality$/);
    expect(await page.title()).toBe('Data quality · fraudops');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the compare form works from the keyboard alone', async () => {
    const { page, errors } = await open('/models');
    await page.focus('#cmp-a');
    await page.keyboard.press('Home');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('cmp-b');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/models\/compare\?a=1&b=2/);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('dashboard > access', () => {
  it('refuses to serve beyond loopback without a token (exit 2)', async () => {
    const r = await runCli(['ui', '--host', '0.0.0.0', '--port', '0', '--lake', lake], { FRAUDOPS_UI_TOKEN: '' }, 60_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CONFIG_INVALID');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('off loopback, every request without the token gets 401; the token in a header or cookie opens it', async () => {
    const token = 'test-token-0123456789';
    const open = await serveUi(['--host', '0.0.0.0', '--token', token, '--lake', lake, '--tracking', tracking]);
    try {
      const base = open.url.replace('0.0.0.0', '127.0.0.1');
      for (const path of ['/', '/quality', '/models', '/quality/quarantine?file=2019-08-23.txt', '/assets/uplot.js', '/assets/dashboard.js', '/healthz', '/nope']) {
        const res = await fetch(new URL(path, base));
        expect(res.status, path).toBe(401);
        const wrong = await fetch(new URL(path, base), { headers: { authorization: 'Bearer not-the-token' } });
        expect(wrong.status, path).toBe(401);
      }
      const ok = await fetch(new URL('/quality', base), { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      // A browser opens it once with ?token=, gets the cookie, and every later request (assets included) carries it.
      const deniedPage = await browser.newPage();
      const denied = await deniedPage.goto(new URL('/models', base).href);
      expect(denied?.status()).toBe(401);
      await deniedPage.close();
      const page = await browser.newPage();
      const errors = collectErrors(page);
      const res = await page.goto(new URL(`/models?token=${token}`, base).href);
      expect(res?.status()).toBe(200);
      expect(page.url()).toBe(new URL('/models', base).href);
      expect((await charts(page)).filter((c) => c.kind === 'histogram' && c.inked).length).toBe(2);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await open.stop();
    }
  });
});
