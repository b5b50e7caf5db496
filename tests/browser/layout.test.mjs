// Every page of the application, signed in as the administrator on the demonstration data, at a
// phone's width (375 px) and a laptop's (1280 px), under the real Content-Security-Policy:
//  - nothing scrolls sideways (wide tables scroll inside their own focusable region instead),
//  - every chart label lies wholly inside its chart,
//  - axe-core finds no violation of WCAG 2.x A/AA or of its best practices (landmarks, regions ...),
//  - the browser reports no Content-Security-Policy violation.
// The pages are found by following every link from the home page (one page of each shape, such as
// one place and one appraisal, chosen so that the richest demo records come first). Screenshots go
// to $WHOLEPLACE_SCREENSHOTS or /tmp/wholeplace-layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer, launch, axe, newContext, signInAsAdmin, widths } from './helpers.mjs';

const WIDTHS = [375, 1280];
const shots = process.env.WHOLEPLACE_SCREENSHOTS || join(tmpdir(), 'wholeplace-layout');

let server;
let browser;

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer(['--demo']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

// One page of each shape: numbers and codes in the path are the record, not the page.
function shape(path) {
  return path.split('/').map((s) => (/\d/.test(s) ? ':id' : s)).join('/');
}

function slug(path) {
  return path.replace(/^\//, '').replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '') || 'home';
}

// Chart labels (SVG text, measured as drawn) that stick out of their chart's viewBox, where they
// would be clipped, or that overlap each other.
async function clippedChartText(page) {
  return page.evaluate(() => {
    const bad = [];
    for (const svg of document.querySelectorAll('svg.wp-chart')) {
      const vb = svg.viewBox.baseVal;
      const chart = svg.querySelector('title')?.textContent;
      const boxes = [];
      for (const t of svg.querySelectorAll('text')) {
        const b = t.getBBox();
        if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 || b.y + b.height > vb.y + vb.height + 0.5) {
          bad.push(`${chart}: "${t.textContent}" spans x ${b.x.toFixed(0)}..${(b.x + b.width).toFixed(0)}, y ${b.y.toFixed(0)}..${(b.y + b.height).toFixed(0)} in a viewBox ${vb.width} by ${vb.height}`);
        }
        for (const [o, ob] of boxes) {
          const overlapX = Math.min(b.x + b.width, ob.x + ob.width) - Math.max(b.x, ob.x);
          const overlapY = Math.min(b.y + b.height, ob.y + ob.height) - Math.max(b.y, ob.y);
          if (overlapX > 1 && overlapY > 1) bad.push(`${chart}: "${t.textContent}" overlaps "${o}"`);
        }
        boxes.push([t.textContent, b]);
      }
    }
    return bad;
  });
}

async function checkAt(page, path, problems) {
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    const w = await widths(page);
    if (w.scroll > w.window) problems.push(`${path} at ${width} px: the page is ${w.scroll} px wide and scrolls sideways`);
    for (const c of await clippedChartText(page)) problems.push(`${path} at ${width} px: chart label outside the chart: ${c}`);
    const violations = await axe(page);
    for (const v of violations) problems.push(`${path} at ${width} px: axe ${v.id} (${v.impact}): ${v.help} at ${v.nodes.join(', ')}`);
    await page.screenshot({ path: join(shots, `${width}-${slug(path)}.png`), fullPage: true });
  }
}

test('every page fits 375 px and 1280 px windows, keeps chart labels whole, and passes axe with best practices, under the real CSP', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  const problems = [];

  // The sign-in page, before signing in.
  await page.goto(server.url + '/sign-in');
  const csp = (await page.request.get(server.url + '/sign-in')).headers()['content-security-policy'];
  assert.ok(csp, 'the Content-Security-Policy header is sent');
  assert.match(csp, /script-src 'self'(;|$)/, 'scripts only from our own origin');
  await checkAt(page, '/sign-in', problems);

  await signInAsAdmin(page, server, 'layout test password 1');
  await page.setViewportSize({ width: 1280, height: 900 });

  // The richest demo records first, so that they are the ones shown for their shape.
  await page.goto(server.url + '/places');
  const sherwood = await page.getByRole('link', { name: 'Sherwood', exact: true }).getAttribute('href');
  await page.goto(server.url + '/appraisals');
  const appraisal = await page.getByRole('link', { name: 'Sherwood family intervention service' }).getAttribute('href');
  const queue = ['/', sherwood, appraisal, `${appraisal}?draws=500&seed=7`];
  const seen = new Map(); // shape (with the query) -> the path visited
  const visited = [];
  const skipped = new Set();

  while (queue.length > 0) {
    const path = queue.shift();
    const url = new URL(path, server.url);
    if (url.origin !== server.url || url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/') || url.pathname.startsWith('/static/')) continue;
    const key = shape(url.pathname) + (url.search ? '?' : '');
    if (seen.has(key)) continue;
    seen.set(key, url.pathname + url.search);
    // Downloads are files, not pages.
    const head = await page.request.get(url.href, { maxRedirects: 0 });
    const type = head.headers()['content-type'] ?? '';
    if (!type.startsWith('text/html') || head.headers()['content-disposition'] || head.status() >= 300) {
      skipped.add(`${url.pathname} (${head.status()} ${type.split(';')[0]})`);
      continue;
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(url.href);
    visited.push(url.pathname + url.search);
    for (const href of await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      if (!href.startsWith('#') && !href.startsWith('mailto:')) queue.push(new URL(href, url).pathname + new URL(href, url).search);
    }
    await checkAt(page, url.pathname + url.search, problems);
  }

  // A page that is not there.
  await page.goto(server.url + '/no-such-page');
  await checkAt(page, '/no-such-page', problems);

  const expected = ['/', '/places', '/places/:id', '/places/new', '/agencies', '/funding', '/contacts', '/projects', '/data',
    '/appraisals', '/appraisals/:id', '/appraisals/new', '/unit-costs', '/unit-costs/:id', '/audit', '/users', '/users/new',
    '/users/:id', '/account', '/account/password', '/about/data', '/about/accessibility', '/budget-lines/new', '/grants/new',
    '/partnerships/new', '/places/:id/edit', '/agencies/:id/edit', '/appraisals/:id/edit', '/appraisals/:id/costs/new',
    '/appraisals/:id/outcomes/new', '/appraisals/:id/delete', '/families', '/needs', '/sharing', '/sharing/new',
    '/privacy', '/privacy/retention', '/linking', '/linking/review', '/linking/corrections',
    '/cohorts', '/cohorts/:id', '/agencies/:id/identifiers', '/funding/publisher', '/outcomes', '/outcomes/:id',
    '/outcomes/:id/figures', '/outcomes/:id/targets', '/soft-outcomes', '/soft-outcomes/scales/:id', '/soft-outcomes/:id',
    '/soft-outcomes/star', '/soft-outcomes/wemwbs/registration', '/surveys', '/surveys/:id', '/surveys/:id/rounds/:id/paper', '/survey/:id'];
  const shapes = new Set(visited.map((p) => shape(p.split('?')[0])));
  for (const e of expected) assert.ok(shapes.has(e), `the walk reached a page like ${e}; it visited ${[...shapes].join(' ')}`);

  const csp_ = await context.cspViolations();
  assert.deepEqual(csp_, [], 'no Content-Security-Policy violations');
  assert.deepEqual(problems, [], `${problems.length} problems on ${visited.length + 2} pages:\n${problems.join('\n')}`);
  await context.close();
});
