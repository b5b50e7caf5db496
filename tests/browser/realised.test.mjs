// Forecast against realised savings in a real browser, as the demo administrator: from the demo's
// Sherwood appraisal to its forecast frozen as approved (with the outcomes of its first two
// years), the variance by agency and year, a bad figure refused with its line and year named, the
// third year's outcomes recorded, the CSV downloaded; then a second forecast frozen by form.
// axe-core must find no WCAG 2.2 AA violations on these pages, at a laptop's width and a phone's.
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

test('the demo forecast against what was realised, recorded and downloaded', async () => {
  const context = await newContext(browser, { acceptDownloads: true });
  const page = await context.newPage();
  await signInAsAdmin(page, server, 'realised test password 1');
  await page.click('nav a:has-text("Appraisals")');
  await page.getByRole('link', { name: 'Sherwood family intervention service' }).click();
  await page.getByRole('link', { name: 'forecast against realised savings' }).click();
  await page.waitForURL(/\/appraisals\/\d+\/snapshots$/);
  assert.match(await page.textContent('main'), /Leaders board/);
  await checkPage(page, '140-realised-snapshots');

  await page.locator('table a').first().click();
  await page.waitForURL(/\/snapshots\/\d+$/);
  const main = await page.textContent('main');
  assert.match(main, /forecast against realised/);
  assert.match(main, /not yet reported/, 'later years are not reported yet');
  assert.match(main, /short/, 'the demo achieved less than forecast in its first years');
  await checkPage(page, '141-realised-variance');

  // A bad figure: named by its line and year, nothing kept.
  const first = page.locator('input[name^="obs_"]').first();
  const firstName = await first.getAttribute('name');
  const before = await first.inputValue();
  await first.fill('-2');
  await page.click('button:has-text("Save the outcomes achieved")');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.textContent('.govuk-error-summary'), /in \d{4}\/\d{2}: enter the net outcomes achieved/);
  await checkPage(page, '142-realised-error');
  await page.fill(`input[name="${firstName}"]`, before);

  // The third year's outcomes, as forecast: the year is then reported.
  const third = page.locator('input[name$="_2"]');
  for (let i = 0; i < (await third.count()); i += 1) {
    const hint = await page.textContent(`#${await third.nth(i).getAttribute('name')}-hint`);
    await third.nth(i).fill(hint.replace('Forecast ', '').trim());
  }
  await page.click('button:has-text("Save the outcomes achieved")');
  await page.waitForURL(/#variance$/);
  assert.doesNotMatch(await page.textContent('main'), /error/i);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('a:has-text("Download the variance as CSV")')]);
  assert.match(csv.suggestedFilename(), /variance\.csv$/);
  // The link keeps the focus after the download (GOV.UK's focus style draws its own underline).
  await page.evaluate(() => document.activeElement?.blur());

  // At a phone's width the tables scroll inside their own region.
  await page.setViewportSize({ width: 375, height: 800 });
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(sideways, false, 'nothing scrolls the page sideways');
  await checkPage(page, '143-realised-phone');
  await page.setViewportSize({ width: 1280, height: 800 });

  // A second forecast frozen by form.
  await page.getByRole('link', { name: 'Back to the frozen forecasts' }).click();
  await page.fill('#approval', 'Steering group, minute 4');
  await page.fill('#approved_on', '2014-04-01');
  await page.click('button:has-text("Freeze the forecast")');
  await page.waitForURL(/\/snapshots\/\d+$/);
  assert.match(await page.textContent('main'), /Steering group, minute 4/);
  await context.close();
});
