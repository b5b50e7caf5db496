// Appraisals in a real browser: the demo's Sherwood family-intervention appraisal with its charts,
// a Monte Carlo run and downloads; the unit-cost library; then an appraisal built through the
// forms (with an error first), one uploaded as a model workbook, and a deletion with its
// confirmation. axe-core must find no WCAG 2.2 AA violations on these pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, axe, newContext, screenshots, root, signInAsAdmin } from './helpers.mjs';

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

test('the demo appraisal, unit costs, and appraisals built by form and by upload', async () => {
  const context = await newContext(browser, { acceptDownloads: true });
  const page = await context.newPage();
  const pw = await signInAsAdmin(page, server, 'appraisal test password 1');

  // The demo's worked appraisal.
  await page.click('nav a:has-text("Appraisals")');
  await page.waitForURL(/\/appraisals$/);
  assert.match(await page.textContent('main'), /Sherwood Neighbourhood Community Budget/);
  await checkPage(page, '30-appraisals');
  await page.getByRole('link', { name: 'Sherwood family intervention service' }).click();
  assert.equal((await page.textContent('h1')).trim(), 'Sherwood family intervention service');
  assert.ok(await page.locator('svg.wp-chart').count() >= 3, 'cash flow, benefits by agency and who-gains charts');
  assert.match(await page.textContent('main'), /Net present budget impact/i);
  await checkPage(page, '31-demo-appraisal');

  // Monte Carlo with a seed.
  await page.fill('#draws', '500');
  await page.fill('#seed', '7');
  await page.click('button:has-text("Run simulation")');
  await page.waitForURL(/draws=500/);
  assert.match(await page.textContent('main'), /500 draws/);
  await checkPage(page, '32-demo-appraisal-monte-carlo');

  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Results workbook")')]);
  assert.match(xlsx.suggestedFilename(), /results\.xlsx$/);

  // The unit-cost library.
  await page.click('nav a:has-text("Unit costs")');
  await page.fill('#q', 'temporary accommodation');
  await page.click('button:has-text("Search")');
  await page.waitForURL(/q=temporary/);
  const rows = await page.locator('tbody tr').count();
  assert.ok(rows > 0, 'temporary accommodation unit costs found');
  await checkPage(page, '33-unit-costs');
  await page.locator('tbody tr a').first().click();
  assert.match(await page.textContent('main'), /Fiscal value/);
  assert.match(await page.textContent('main'), /CC BY 4\.0/);
  await checkPage(page, '34-unit-cost');

  // Start an appraisal through the forms.
  await page.goto(server.url + '/appraisals/new');
  await checkPage(page, '35-appraisal-new');
  await page.selectOption('#partnership_id', { label: 'Sherwood Neighbourhood Community Budget' });
  await page.fill('#title', 'Rent arrears early help');
  await page.fill('#horizon_years', '4');
  await page.click('button:has-text("Start appraisal")');
  await page.waitForURL(/\/appraisals\/\d+$/);
  assert.match(await page.textContent('#problems'), /add at least one \[\[costs\]\]/);

  await page.click('a:has-text("Add a cost line")');
  await page.fill('#name', 'Tenancy support officer');
  await page.fill('#agency', 'Town and Country Housing');
  await page.fill('#amounts', '40000, 40000, 40000, 40000');
  await page.selectOption('#grade', '3');
  await page.click('button:has-text("Add cost line")');
  await page.waitForURL(/added=cost/);

  await page.click('a:has-text("Add an outcome line")');
  await page.fill('#name', 'Evictions avoided');
  await page.fill('#unit_costs', 'HO1.0');
  await page.fill('#cohort', '60');
  await page.fill('#impact', 'lots');
  await page.selectOption('#grade', '4');
  await page.click('button:has-text("Add outcome line")');
  assert.match(await page.textContent('.govuk-error-summary'), /Impact must be a number/);
  await checkPage(page, '36-outcome-error');
  await page.fill('#impact', '0.25');
  await page.fill('#deadweight', '0.2');
  await page.fill('#duration_years', '2');
  await page.click('button:has-text("Add outcome line")');
  await page.waitForURL(/added=outcome/);
  assert.equal(await page.locator('#problems').count(), 0, 'the appraisal is complete');
  assert.match(await page.textContent('main'), /Evictions avoided/);
  const appraisalUrl = page.url().replace(/\?.*$/, '');

  // Upload the shipped model workbook.
  await page.goto(server.url + '/appraisals/new');
  await page.setInputFiles('#workbook', join(root, 'examples', 'appraisal', 'family-intervention.xlsx'));
  await page.click('button:has-text("Upload model")');
  await page.waitForURL(/\/appraisals\/\d+$/);
  assert.equal((await page.textContent('h1')).trim(), 'Sherwood family intervention service');

  // Delete the form-built appraisal, after the confirmation page.
  await page.goto(appraisalUrl);
  await page.click('a:has-text("Delete this appraisal")');
  await checkPage(page, '37-appraisal-delete');
  await page.click('button:has-text("Delete appraisal")');
  await page.waitForURL(/deleted=1/);
  assert.doesNotMatch(await page.textContent('main'), /Rent arrears early help/);
  assert.deepEqual(await context.cspViolations(), [], 'no Content-Security-Policy violations');
  await context.close();
});
