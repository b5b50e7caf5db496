// Contacts, projects and the import/export page in a real browser: the demo's Shropshire pilots,
// an export of everything, a CSV import with an invalid row skipped and shown, and a new contact.
// axe-core must find no WCAG 2.2 AA violations on these pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

test('projects, contacts, and importing and exporting everything', async () => {
  const context = await newContext(browser, { acceptDownloads: true });
  const page = await context.newPage();
  const pw = await signInAsAdmin(page, server, 'partners test password 1');

  // The demo's Shropshire pilots.
  await page.goto(server.url + '/funding');
  await page.click('a:has-text("pilots and projects")');
  assert.match(await page.textContent('main'), /Oswestry substance misuse pilot/);
  assert.match(await page.textContent('main'), /Shropshire Housing Group/);
  await checkPage(page, '40-projects');

  // A contact.
  await page.goto(server.url + '/agencies');
  await page.click('a:has-text("each agency")');
  await page.selectOption('#agency_id', { label: 'Kent Police' });
  await page.fill('#name', 'Pat Placeholder');
  await page.fill('#email', 'not an email');
  await page.click('button:has-text("Add contact")');
  assert.match(await page.textContent('.govuk-error-summary'), /email address in the correct format/);
  await page.fill('#email', 'pat@example.org');
  await page.click('button:has-text("Add contact")');
  await page.waitForURL(/\/contacts$/);
  assert.match(await page.textContent('main'), /Pat Placeholder/);
  await checkPage(page, '41-contacts');

  // Export everything, then import a CSV with one invalid row skipped.
  await page.goto(server.url + '/data');
  await checkPage(page, '42-data');
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download everything")')]);
  assert.equal(xlsx.suggestedFilename(), 'wholeplace-everything.xlsx');
  const dir = mkdtempSync(join(tmpdir(), 'wholeplace-import-'));
  const csv = join(dir, 'places.csv');
  writeFileSync(csv, 'name,level,gss_code,gss_vintage,population,description\nCamden Road,street,,,,\nNowhere,planet,,,,\n');
  await page.setInputFiles('#file', csv);
  await page.click('button:has-text("Import")');
  assert.match(await page.textContent('.govuk-error-summary'), /Places, row 3, column level/);
  await checkPage(page, '43-data-import-error');
  await page.setInputFiles('#file', csv);
  await page.check('#skip_invalid');
  await page.click('button:has-text("Import")');
  assert.match(await page.textContent('main'), /Places: 1/);
  assert.match(await page.textContent('main'), /1 invalid row skipped/);
  await checkPage(page, '44-data-import-skipped');

  // A grant through the form, then a 20% cut recorded as a change.
  await page.goto(server.url + '/funding');
  await page.click('a:has-text("Record a grant")');
  await page.selectOption('#funder_id', { label: 'Jobcentre Plus' });
  await page.fill('#title', 'Flexible Support Fund: Harlescott');
  await page.fill('#amount', '50,000');
  await page.fill('#start_year', '2012/13');
  await page.fill('#end_year', '2013/14');
  await page.click('button:has-text("Record grant")');
  assert.match(await page.textContent('.govuk-error-summary'), /Select at least one recipient/);
  await checkPage(page, '45-grant-error');
  await page.getByLabel('Shropshire Council').check();
  await page.fill('#places', 'York Road / Kynaston Road');
  await page.click('button:has-text("Record grant")');
  await page.waitForURL(/\/funding$/);
  await page.click('a:has-text("Record a change to Flexible Support Fund: Harlescott")');
  await page.fill('#from_year', '2013/14');
  await page.fill('#new_amount', '40,000');
  await page.fill('#reason', '20% cut');
  await checkPage(page, '46-grant-change');
  await page.click('button:has-text("Record change")');
  await page.waitForURL(/\/funding$/);
  assert.match(await page.textContent('main'), /From 2013\/14: £40k \(20% cut\)|From 2013\/14: £40,000/);
  await checkPage(page, '47-funding');

  // Sherwood also overlaps a police neighbourhood, another hierarchy.
  await page.goto(server.url + '/places');
  await page.getByRole('link', { name: 'Sherwood', exact: true }).click();
  await page.click('a:has-text("Relate Sherwood to another place")');
  await checkPage(page, '48-relate-place');
  await page.selectOption('#how', 'overlaps');
  await page.selectOption('#other_id', { label: 'York Road / Kynaston Road (Neighbourhood)' });
  await page.click('button:has-text("Record relation")');
  assert.match(await page.textContent('main'), /York Road \/ Kynaston Road/);
  await page.click('a:has-text("Record an agency covering Sherwood")');
  await checkPage(page, '49-cover-place');
  assert.deepEqual(await context.cspViolations(), [], 'no Content-Security-Policy violations');
  await context.close();
});
