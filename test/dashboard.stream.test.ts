/**
 * The Stream page in chromium against a real Kafka scorer: `fraudops stream` scores a topic with the champion of
 * a small `fraudops demo`, `fraudops replay` publishes a day file at a bounded rate, and the page's numbers change
 * while the replay runs — pushed by server-sent events, without a reload. Then the throughput the scorer logged to
 * the tracker is drawn as history. Needs `scripts/services.sh up` (Kafka); fails, never skips, without it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityProblems, charts, collectErrors, launchChromium, screenshot } from './support/browser.js';
import { runCli, serveUi, spawnCli, type Served, type Spawned } from './support/cli.js';

const BROKERS = process.env.FRAUDOPS_TEST_KAFKA_BROKERS ?? '127.0.0.1:9092';
const SUFFIX = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const IN = `dash-tx-${SUFFIX}`;
const OUT = `dash-pred-${SUFFIX}`;
const dir = mkdtempSync(join(tmpdir(), 'fraudops-dashboard-stream-'));
let scorer: Spawned;
let served: Served;
let browser: Browser;
let metricsPort: number;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  const demo = await runCli(['demo', '--dir', dir, '--days', '35', '--customers', '300', '--terminals', '600', '--seed', '5']);
  expect(demo.code, demo.stderr).toBe(0);
  metricsPort = await freePort();
  scorer = spawnCli([
    'stream', '--brokers', BROKERS, '--in', IN, '--out', OUT, '--group', `dash-${SUFFIX}`, '--lake', join(dir, 'lake'),
    '--tracking', join(dir, 'mlruns'), '--http-port', String(metricsPort), '--track-every', '1s', '--batch-size', '50',
  ]);
  await waitFor('the scorer to be ready', async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok);
  served = await serveUi(['--lake', join(dir, 'lake'), '--tracking', join(dir, 'mlruns'), '--stream-metrics', `http://127.0.0.1:${metricsPort}/metrics`]);
  browser = await launchChromium();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  await scorer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('dashboard > stream', () => {
  it('updates the live numbers while a replay runs, without a reload', { timeout: 300_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    const res = await page.goto(new URL('/stream', served.url).href);
    expect(res?.status()).toBe(200);
    expect(await page.title()).toBe('Stream · fraudops');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.evaluate(() => ((window as unknown as { loadedOnce: number }).loadedOnce = 1));
    const consumed = () => page.locator('[data-field="consumedTotal"]').first().innerText();
    expect(await consumed()).toBe('0');

    const day = readdirSync(join(dir, 'raw')).filter((f) => f.endsWith('.txt')).sort().at(-1)!;
    const replay = runCli(['replay', '--raw', join(dir, 'raw', day), '--brokers', BROKERS, '--topic', IN, '--rate', '100', '--partitions', '2']);
    const seen = new Set<string>();
    let rates = 0;
    const deadline = Date.now() + 180_000;
    let finished = false;
    void replay.then(() => (finished = true));
    // Watch while the replay runs and while the scorer catches up with it (on a busy machine it lags the replay).
    while (Date.now() < deadline && !(finished && seen.size >= 3)) {
      seen.add(await consumed());
      const r = await page.locator('[data-field="consumedPerSecond"]').first().innerText();
      if (r !== '–' && Number.parseFloat(r) > 0) rates++;
      await page.waitForTimeout(400);
    }
    const done = await replay;
    expect(done.code, done.stderr).toBe(0);
    // Several distinct totals while the replay ran: the page followed it live.
    expect(seen.size, `consumed totals seen: ${[...seen].join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(rates).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { loadedOnce?: number }).loadedOnce)).toBe(1);
    expect(Number(await page.locator('#live').getAttribute('data-updates'))).toBeGreaterThan(3);
    const modelVersion = await page.locator('[data-field="modelVersion"]').first().innerText();
    expect(modelVersion).toMatch(/^\d+$/);
    expect(await page.locator('#lag-rows tr').count()).toBeGreaterThan(0);
    expect((await charts(page)).find((c) => c.kind === 'live-rates')?.inked).toBe(true);
    await screenshot(page, 'stream');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the throughput history the scorer logged to the tracker', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(new URL('/stream', served.url).href);
    const history = (await charts(page)).find((c) => c.kind === 'lines');
    expect(history?.points).toBeGreaterThan(1);
    expect(history?.inked).toBe(true);
    await screenshot(page, 'stream-history');
    expect(errors).toEqual([]);
    await page.close();
  });
});
