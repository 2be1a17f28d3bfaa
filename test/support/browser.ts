/**
 * Debian's chromium driven by playwright-core (which downloads no browser of its own). `scripts/services.sh up`
 * installs the package; FRAUDOPS_CHROMIUM overrides where the binary is. A missing browser fails the test
 * with instructions; it never skips.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from './cli.js';

export const ARTIFACTS = join(ROOT, 'test-artifacts', 'dashboard');

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.FRAUDOPS_CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!executablePath || !existsSync(executablePath)) {
    throw new Error('Chromium not found: run `bash scripts/services.sh up chromium` (apt-get install chromium) or set FRAUDOPS_CHROMIUM');
  }
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Console errors and uncaught page errors, collected for the "no console errors" check. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return errors;
}

/** A new page at `path` of the dashboard at `base`, with its console errors collected; the answer must be 200. */
export async function openPage(browser: Browser, base: string, path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = collectErrors(page);
  const res = await page.goto(new URL(path, base).href, { waitUntil: 'load' });
  if (res?.status() !== 200) throw new Error(`${path} answered ${res?.status()}, not 200`);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Checks the page's basic accessibility: a title, banner/navigation/main/contentinfo landmarks, exactly one h1,
 * and an accessible name for every visible control. Returns the problems found.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    if (!document.title.trim()) problems.push('no <title>');
    if (!document.documentElement.lang) problems.push('no lang on <html>');
    const landmarks: Record<string, string> = { banner: 'header, [role=banner]', navigation: 'nav, [role=navigation]', main: 'main, [role=main]', contentinfo: 'footer, [role=contentinfo]' };
    for (const [name, sel] of Object.entries(landmarks)) if (!document.querySelector(sel)) problems.push(`no ${name} landmark`);
    if (document.querySelectorAll('h1').length !== 1) problems.push(`${document.querySelectorAll('h1').length} h1 elements`);
    const controls = document.querySelectorAll<HTMLElement>('input:not([type=hidden]), select, textarea, button');
    for (const c of controls) {
      const id = c.id;
      const label = (id && document.querySelector(`label[for="${CSS.escape(id)}"]`)?.textContent?.trim()) || c.getAttribute('aria-label') || (c.getAttribute('aria-labelledby') && document.getElementById(c.getAttribute('aria-labelledby')!)?.textContent) || (c.tagName === 'BUTTON' ? c.textContent?.trim() : '') || c.closest('label')?.textContent?.trim();
      if (!label) problems.push(`unlabelled ${c.tagName.toLowerCase()}${id ? `#${id}` : ''}`);
    }
    for (const img of document.querySelectorAll('[role=img]')) {
      if (!img.getAttribute('aria-label') && !img.getAttribute('aria-labelledby')) problems.push('role=img without a name');
    }
    return problems;
  });
}

/**
 * Each chart on the page: its kind, how many points it was given, and whether data was drawn — for a canvas,
 * coloured pixels (axes and grid are grey, every series has a colour), for an SVG, bars.
 */
export async function charts(page: Page): Promise<{ kind: string; points: number; inked: boolean }[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-chart], svg.bars')].map((el) => {
      if (el.tagName.toLowerCase() === 'svg') return { kind: 'svg-bars', points: el.querySelectorAll('rect').length, inked: el.querySelectorAll('rect').length > 0 };
      const canvas = el.querySelector('canvas');
      let inked = false;
      if (canvas && canvas.width > 0 && canvas.height > 0) {
        const px = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < px.length; i += 4) {
          const [r, g, b, a] = [px[i], px[i + 1], px[i + 2], px[i + 3]];
          if (a > 40 && Math.max(r, g, b) - Math.min(r, g, b) > 40) {
            inked = true;
            break;
          }
        }
      }
      return { kind: el.dataset.chart ?? '?', points: Number(el.dataset.drawn ?? 0), inked };
    }),
  );
}
