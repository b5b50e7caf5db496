// Organisations' identifiers and the 360Giving export in a real browser, as the demo
// administrator: an unknown scheme is refused with the error summary, an agency's identifiers are
// saved, and the grants download as a 360Giving JSON package whose grants carry the publisher's
// prefix and the agency's identifier. axe-core must find no WCAG 2.2 AA violations on these pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
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

test('an agency\'s identifiers are edited and the grants download as a 360Giving package', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signInAsAdmin(page, server, 'giving admin password 1');
  await page.goto(`${server.url}/agencies`);
  await page.click('a:has-text("Identifiers of County Training")');
  await page.waitForURL(/\/agencies\/\d+\/identifiers$/);
  await checkPage(page, 'agency-identifiers');

  await page.fill('#identifiers', 'XX-FOO-1');
  await page.click('button:has-text("Save identifiers")');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.textContent('.govuk-error-summary'), /'XX-FOO' is not an identifier scheme/);
  await checkPage(page, 'agency-identifiers-error');

  await page.fill('#identifiers', 'GB-COH-01234567');
  await page.click('button:has-text("Save identifiers")');
  await page.waitForURL(/\/agencies$/);
  assert.match(await page.textContent('main'), /GB-COH-01234567/);

  await page.goto(`${server.url}/funding`);
  await checkPage(page, 'funding-360giving');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('a:has-text("Download the grants as a 360Giving grant package (JSON)")'),
  ]);
  const pkg = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(pkg.license, 'https://creativecommons.org/licenses/by/4.0/');
  assert.ok(pkg.grants.length > 0);
  for (const g of pkg.grants) assert.ok(g.id.startsWith('360G-wholeplacedemo-'), g.id);
  const ids = pkg.grants.flatMap((g) => g.recipientOrganization.map((o) => o.id));
  assert.ok(ids.includes('GB-COH-01234567'), ids.join(' '));
  await context.close();
});
