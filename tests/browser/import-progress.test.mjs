// A large budget file through the import page in a real browser: the upload shows its progress
// (how much is sent, then that it is being checked), and the answer replaces the page, as an
// ordinary form submission would. 100,000 lines (about 9 MB): over the framework's old 2 MB limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer, launch, screenshots, signInAsAdmin } from './helpers.mjs';

let server;
let browser;

before(async () => {
  server = await startServer(['--demo']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

test('a 100,000-line budget CSV imports through /data with progress shown', { timeout: 600000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAsAdmin(page, server, 'import progress password 1');

  const lines = ['agency,place,place_level,service_area,financial_year,amount,spend_kind,source,confidence'];
  for (let i = 0; i < 100000; i++) {
    lines.push(`Kent County Council,Sherwood,ward,social_services,2024/25,${1000 + i}.${String(i % 100).padStart(2, '0')},revenue,"import test, line ${i}",grade 2`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wholeplace-import-'));
  const file = join(dir, 'budget-lines.csv');
  writeFileSync(file, lines.join('\n') + '\n');

  await page.goto(server.url + '/data');
  await page.setInputFiles('#file', file);
  await page.click('button:has-text("Import")');
  const status = page.locator('#import-status');
  await status.waitFor({ state: 'visible' });
  await page.waitForFunction(() => /Sending|Sent/.test(document.querySelector('#import-status')?.textContent || ''));
  await page.screenshot({ path: join(screenshots, 'import-progress.png'), fullPage: true });
  await page.waitForSelector('text=Budget lines: 100000', { timeout: 540000 });
  await page.screenshot({ path: join(screenshots, 'import-done.png'), fullPage: true });
  assert.match(await page.title(), /Import and export/);
});
