/**
 * The frame every page shares: a title, a skip link, a header with the site navigation, one `main` landmark
 * and a footer. Pages hand in their body; scripts load at the end and draw whatever the body declares.
 */
import { html, type Html } from './html.js';

export interface NavItem {
  href: string;
  label: string;
}

export interface PageOptions {
  title: string;
  /** Path of the current page's nav entry, marked with aria-current. */
  active: string;
  nav: NavItem[];
  body: Html;
  /** Extra scripts (beyond uPlot and the dashboard's own). */
  scripts?: string[];
  /** Appended to every asset and link so a token given in the URL is not needed again (cookie carries it). */
  footer?: Html;
}

export function page(o: PageOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · fraudops</title>
<link rel="stylesheet" href="/assets/uplot.css">
<link rel="stylesheet" href="/assets/dashboard.css">
<link rel="icon" href="data:,">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header role="banner">
<span class="brand">fraudops</span>
<nav aria-label="Main">
<ul>${o.nav.map((n) => html`<li><a href="${n.href}"${o.active === n.href ? html` aria-current="page"` : ''}>${n.label}</a></li>`)}</ul>
</nav>
</header>
<main id="main" tabindex="-1">
<h1>${o.title}</h1>
${o.body}
</main>
<footer role="contentinfo">${o.footer ?? ''}</footer>
<script src="/assets/uplot.js"></script>
<script src="/assets/dashboard.js"></script>
${(o.scripts ?? []).map((s) => html`<script src="${s}"></script>`)}
</body>
</html>
`.text;
}
