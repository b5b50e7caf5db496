// Outcomes in a real browser, on the demo: the catalogue with every target's red/amber/green,
// an indicator's page with its targets, turn-the-curve chart and suppressed small count, an
// import refused with its row and column named, a target refused without its baseline, and the
// drug-related admissions compared across local authorities with a funnel plot. axe-core must
// find no WCAG 2.2 AA violations on these pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, axe, newContext, screenshots, signInAsAdmin } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer(['--demo']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function checkPage(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: accessibility violations ${JSON.stringify(violations, null, 2)}`);
}

test('indicators with targets and RAG, an import with an error, places compared', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInAsAdmin(page, server, 'outcomes admin password 1');
  await page.click('nav a:has-text("Outcomes")');
  await page.waitForURL(/\/outcomes$/);
  const main = await page.textContent('main');
  for (const status of ['Green: on target', 'Amber: within tolerance', 'Red: off target']) assert.match(main, new RegExp(status));
  assert.match(main, /Illustrative/);
  await checkPage(page, 'outcomes');

  await page.click('a:has-text("Children on child protection plans")');
  await page.waitForURL(/\/outcomes\/\d+$/);
  assert.match(await page.textContent('main'), /Amber: within tolerance/);
  const chart = page.locator('svg.wp-chart').first();
  assert.match(await chart.textContent(), /Period/);
  assert.match(await chart.textContent(), /Baseline trend/);
  await checkPage(page, 'outcomes-indicator');

  await page.goto(`${server.url}/outcomes`);
  await page.click('a:has-text("Evictions")');
  await page.waitForURL(/\/outcomes\/\d+$/);
  assert.match(await page.textContent('main'), /<5/);
  const evictions = page.url();

  await page.click('a:has-text("Enter or import figures")');
  await page.waitForURL(/\/figures$/);
  await checkPage(page, 'outcomes-figures');
  await page.setInputFiles('#file', {
    name: 'evictions.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('place,period,value\nSherwood,2014/15,3\nNowhere,2014/15,lots\n'),
  });
  await page.click('button:has-text("Import figures")');
  await page.waitForSelector('.govuk-error-summary');
  const summary = await page.textContent('.govuk-error-summary');
  assert.match(summary, /Row 3, column 'place': There is no place called 'Nowhere'/);
  assert.match(summary, /Row 3, column 'value'/);
  await checkPage(page, 'outcomes-import-error');
  await page.goto(evictions);
  assert.doesNotMatch(await page.textContent('main'), /2014\/15/, 'nothing was imported');

  await page.click('a:has-text("Set a target")');
  await page.waitForURL(/\/targets$/);
  await page.fill('#place', 'Sherwood');
  await page.click('button:has-text("Save target")');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.textContent('.govuk-error-summary'), /Enter the baseline figure/);
  await checkPage(page, 'outcomes-target-error');

  await page.goto(`${server.url}/outcomes`);
  await page.click('a:has-text("Drug-related hospital admissions")');
  await page.waitForURL(/\/outcomes\/\d+$/);
  const text = await page.textContent('main');
  assert.match(text, /Places compared/);
  assert.match(text, /Tunbridge Wells \(compared\)/);
  assert.match(text, /Funnel plot/);
  assert.match(await page.locator('#funnel-title').textContent(), /places compared/);
  await checkPage(page, 'outcomes-funnel');
  await context.close();
});
