/**
 * The Runs pages in a real browser (Debian's chromium) against a real failing pipeline run kept in the embedded
 * pipeline database (PGlite, the default): the list and the run's page load without console errors; the DAG is
 * drawn with every task's state; the failed task's error and log lines are shown; Retry on the page starts
 * `<run id>:retry-1`, which reuses prepare, reruns train onwards and succeeds, and `fraudops runs show` reads the
 * same run afterwards. A post from another origin is refused.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTracking } from '../src/tracking/openTracking.js';
import { accessibilityProblems, openPage, launchChromium, screenshot } from './support/browser.js';
import { serveUi, type Served } from './support/cli.js';
import { cli, smallRaw, workDir } from './support/pipeline.js';

const dir = workDir('dashboard-runs');
const db = join(dir, 'pipeline');
const RUN = 'pipeline:daily:2026-02-01';
const RETRY = `${RUN}:retry-1`;
let served: Served | undefined;
let browser: Browser;

beforeAll(async () => {
  await smallRaw(dir);
  // The pipeline's tracking store is a plain file: train cannot create its run, a failure fixed before the retry.
  writeFileSync(join(dir, 'mlruns'), 'not a directory');
  const flags = ['--raw', join(dir, 'raw'), '--lake', join(dir, 'lake'), '--tracking', join(dir, 'mlruns'), '--model', 'logreg', '--folds', '1', '--bootstrap', '100', '--db', db];
  const first = await cli(['pipeline', 'run', '--date', '2026-02-01', ...flags, '--json']);
  expect(first.code, first.stderr).toBe(1);
  rmSync(join(dir, 'mlruns'));
  // The dashboard's own tracking store (the Models page's), apart from the pipeline's.
  await (await openTracking(join(dir, 'ui-mlruns'))).close();
  served = await serveUi(['--db', db, '--tracking', join(dir, 'ui-mlruns')]);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const open = (path: string) => openPage(browser, served!.url, path);

const taskState = (page: Page, task: string) => page.locator('table.tasks tbody tr', { has: page.locator(`th >> text="${task}"`) }).locator('td').first().innerText();

describe('dashboard > runs', () => {
  it('lists the failed run, newest first, and the overview says it failed', async () => {
    const { page, errors } = await open('/runs');
    expect(await page.title()).toBe('Pipeline runs · fraudops');
    expect(await accessibilityProblems(page)).toEqual([]);
    const row = page.locator('tbody tr', { hasText: RUN });
    expect(await row.locator('td').first().innerText()).toBe('failed');
    await screenshot(page, 'runs');
    await page.goto(new URL('/', served!.url).href);
    expect(await page.locator('main').innerText()).toContain(`Latest run ${RUN}: failed`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the run as a DAG with each task state, and shows the failed task error and logs', async () => {
    const { page, errors } = await open(`/runs/${encodeURIComponent(RUN)}`);
    expect(await page.title()).toBe(`Run ${RUN} · fraudops`);
    expect(await accessibilityProblems(page)).toEqual([]);
    const box = (task: string) => page.locator(`svg.dag a[href="#task-${task}"]`);
    for (const task of ['cluster.ensure', 'prepare', 'new-data', 'train', 'validate', 'publish', 'cluster.teardown']) expect(await box(task).count(), task).toBe(1);
    expect(await box('prepare').getAttribute('class')).toContain('state-succeeded');
    expect(await box('train').getAttribute('class')).toContain('state-failed');
    expect(await box('validate').getAttribute('class')).toContain('state-upstream-failed');
    expect(await page.locator('svg.dag path.edge').count()).toBeGreaterThanOrEqual(6);
    expect(await taskState(page, 'train')).toBe('failed');
    expect(await page.locator('table.tasks tbody tr', { hasText: 'train' }).first().locator('td').last().innerText()).toMatch(/^[A-Z_]+: /);
    // The failed task's logs are open; following its box from the DAG lands on them.
    await box('train').click();
    expect(await page.locator('details#task-train').getAttribute('open')).not.toBeNull();
    expect(await page.locator('details#task-prepare summary').innerText()).toMatch(/prepare \(succeeded, [1-9]\d* lines?\)/);
    await screenshot(page, 'run-failed');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('refuses a retry posted from another origin', async () => {
    const res = await fetch(new URL(`/runs/${encodeURIComponent(RUN)}/retry`, served!.url), { method: 'POST', headers: { origin: 'http://attacker.example' }, redirect: 'manual' });
    expect(res.status).toBe(403);
  });

  it('retry from the page reruns the failed task: a new run reuses prepare and succeeds', { timeout: 600_000 }, async () => {
    const { page, errors } = await open(`/runs/${encodeURIComponent(RUN)}`);
    // The post answers once the workflow engine has started the new run: seconds, more on a busy machine.
    await Promise.all([
      page.waitForURL((u) => decodeURIComponent(u.pathname) === `/runs/${RETRY}`, { timeout: 300_000 }),
      page.getByRole('button', { name: 'Retry failed tasks' }).click(),
    ]);
    // The page is server-rendered: reload until the run has ended.
    const deadline = Date.now() + 540_000;
    for (;;) {
      const state = await page.locator('dl.stats dd').first().innerText();
      if (state !== 'running' && state !== 'queued') break;
      expect(Date.now() < deadline, 'the retry did not end in time').toBe(true);
      await new Promise((r) => setTimeout(r, 2000));
      await page.reload({ timeout: 120_000 });
    }
    expect(await page.locator('dl.stats dd').first().innerText()).toBe('succeeded');
    expect(await taskState(page, 'prepare')).toBe('reused');
    expect(await taskState(page, 'train')).toBe('succeeded');
    expect(await taskState(page, 'validate')).toBe('succeeded');
    await screenshot(page, 'run-retried');
    expect(errors).toEqual([]);
    await page.close();

    await served!.stop();
    served = undefined;
    const shown = await cli(['runs', 'show', RETRY, '--db', db, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const detail = JSON.parse(shown.stdout);
    expect(detail).toMatchObject({ runId: RETRY, retryOf: RUN, state: 'succeeded' });
    expect(detail.tasks.find((t: { task: string }) => t.task === 'train')).toMatchObject({ state: 'succeeded', attempts: 1 });
  });
});
