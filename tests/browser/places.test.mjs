// Places and the resource map in a real browser: the demo's Sherwood resource map with its chart,
// table and downloads; then create a place, an agency and a budget line and see them on the map.
// axe-core must find no WCAG 2.2 AA violations on these pages.
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

test('the demo resource map, then a new place, agency and budget line', async () => {
  const context = await newContext(browser, { acceptDownloads: true });
  const page = await context.newPage();
  const pw = await signInAsAdmin(page, server, 'places test password 1');

  await page.goto(server.url + '/places');
  assert.match(await page.textContent('.govuk-phase-banner'), /Demonstration data/);
  await checkPage(page, '20-places');
  await page.getByRole('link', { name: 'Sherwood', exact: true }).click();
  assert.equal((await page.textContent('h1')).trim(), 'Sherwood');
  const body = await page.textContent('main');
  assert.match(body, /£41,370,000\.00/, 'the four budget holders and benefits add up');
  assert.match(body, /Kent County Council/);
  assert.match(body, /£5,372\.73/, 'per head: £41,370,000 over 7,700 residents');
  assert.equal(await page.locator('svg.wp-chart').count(), 3);
  await checkPage(page, '21-sherwood-resource-map');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("as XLSX")')]);
  assert.match(download.suggestedFilename(), /sherwood-budget-lines\.xlsx$/);

  // A new agency.
  await page.goto(server.url + '/agencies');
  await page.fill('#name', 'Kent Fire and Rescue Service');
  await page.selectOption('#kind', 'fire');
  await page.click('button:has-text("Add agency")');
  await page.waitForURL(/\/agencies$/);
  assert.match(await page.textContent('main'), /Kent Fire and Rescue Service/);
  await checkPage(page, '22-agencies');

  // A new place with a population, inside Sherwood.
  await page.goto(server.url + '/places/new');
  await page.fill('#name', 'Showfields estate');
  await page.selectOption('#level', 'estate');
  await page.fill('#population', '2,400');
  await page.selectOption('#parent_id', { label: 'Sherwood (Ward)' });
  await checkPage(page, '23-add-place');
  await page.click('button:has-text("Add place")');
  await page.waitForURL(/\/places\/\d+$/);
  assert.equal((await page.textContent('h1')).trim(), 'Showfields estate');
  assert.match(await page.textContent('main'), /No spending has been recorded/);

  // A budget line with a mistake first: the error summary, then the fix.
  await page.click('a:has-text("Add a budget line")');
  await page.selectOption('#agency', { label: 'Kent Fire and Rescue Service' });
  await page.selectOption('#service_area', 'fire');
  await page.fill('#financial_year', '2024/26');
  await page.fill('#amount', '120,000');
  await page.click('button:has-text("Add budget line")');
  await page.waitForSelector('.govuk-error-summary');
  await checkPage(page, '24-budget-line-error');
  await page.fill('#financial_year', '2024/25');
  await page.click('button:has-text("Add budget line")');
  await page.waitForURL(/\/places\/\d+/);
  const map = await page.textContent('main');
  assert.match(map, /£120,000\.00/);
  assert.match(map, /£50\.00 per head/, '120,000 over 2,400 people');
  assert.equal(await page.locator('svg.wp-chart').count(), 3);
  await checkPage(page, '25-new-resource-map');

  await page.goto(server.url + '/funding');
  assert.match(await page.textContent('main'), /20% cut/);
  await checkPage(page, '26-funding');
  assert.deepEqual(await context.cspViolations(), [], 'no Content-Security-Policy violations');
  await context.close();
});
