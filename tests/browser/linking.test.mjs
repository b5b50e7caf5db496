// Linkage in a real browser, as the demo administrator: two agencies' synthetic extracts (written
// by `wholeplace synth`) uploaded under the demo's record linkage agreement, a third refused
// without one, the link run with its progress, and three pairs of the review queue decided (and
// one decision undone), a linked household's members merged, split and the corrections undone,
// and a cohort built and turned into an appraisal. axe-core must find no WCAG 2.2 AA violations on these pages, and the
// pages must break no rule of the Content-Security-Policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startServer, launch, axe, newContext, screenshots, signInAsAdmin, runCli } from './helpers.mjs';

let server;
let browser;
let dir;

before(async () => {
  server = await startServer(['--demo']);
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), 'wholeplace-linking-'));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function checkPage(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: accessibility violations ${JSON.stringify(violations, null, 2)}`);
}

async function upload(page, agency, file) {
  await page.selectOption('#agency_id', { label: agency });
  await page.selectOption('#data_class', 'identity');
  await page.setInputFiles('#file', file);
  // The form is sent in the background with its progress shown (static/app.js); the answer
  // replaces the page, whose progress box is hidden again.
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/linking/extracts') && r.request().method() === 'POST'),
    page.click('button:has-text("Upload the extract")'),
  ]);
  await page.waitForFunction(() => document.querySelector('.wp-progress')?.hidden === true);
  await page.waitForSelector('.govuk-notification-banner, .govuk-error-summary');
}

test('two agencies\' extracts uploaded, linked, and three pairs reviewed', async () => {
  const made = await runCli(['synth', '--people', '2000', '--sources', '2', '--seed', '7', '--output-dir', dir]);
  assert.equal(made.code, 0, made.stderr);
  const files = readdirSync(dir).filter((f) => f.endsWith('.csv') && f !== 'truth.csv').sort().map((f) => join(dir, f));
  assert.equal(files.length, 2, `two extracts: ${readdirSync(dir)}`);

  const context = await newContext(browser);
  const page = await context.newPage();
  await signInAsAdmin(page, server, 'linking admin password 1');
  await page.click('nav a:has-text("Linking")');
  await page.waitForURL(/\/linking$/);
  assert.match(await page.textContent('main'), /No extract is staged yet/);
  // Each partnership links its own extracts: the demo's first is Sherwood's, whose agencies
  // sent these; the others are a choice away.
  assert.match(await page.textContent('.govuk-caption-l'), /Sherwood Neighbourhood Community Budget/);
  assert.ok(await page.locator('#partnership option').count() >= 3, 'the partnerships to choose from');
  await checkPage(page, '80-linking');

  // Kent Police is party to no linkage agreement: refused, with the service's message.
  await upload(page, 'Kent Police', files[0]);
  assert.match(await page.textContent('.govuk-error-summary'), /No information-sharing agreement in force has this agency as a party/);
  await checkPage(page, '81-linking-refused');

  await upload(page, 'Kent County Council', files[0]);
  assert.match(await page.textContent('.govuk-notification-banner'), /records staged from/);
  await upload(page, 'Tunbridge Wells Borough Council', files[1]);
  assert.match(await page.textContent('.govuk-notification-banner'), /records staged from/);
  const staged = await page.textContent('main');
  assert.match(staged, /2 extracts, newest first/);
  await checkPage(page, '82-linking-staged');

  await page.click('button:has-text("Run linking")');
  await page.waitForURL(/\/linking\?partnership=\d+$/);
  if (await page.$('[data-wp-poll]')) {
    assert.match(await page.textContent('#linking-progress'), /is running/);
    await checkPage(page, '83-linking-running');
  }
  // The page follows the run by itself and shows what it found when it ends.
  await page.waitForSelector('td:has-text("Finished")', { timeout: 120_000 });
  const done = await page.textContent('main');
  assert.match(done, /Expected false matches/);
  await checkPage(page, '84-linking-finished');

  await page.getByRole('link', { name: 'Review the uncertain pairs' }).click();
  await page.waitForURL(/\/linking\/review\?partnership=\d+$/);
  assert.match(await page.textContent('main'), /The evidence for pair/);
  await checkPage(page, '85-linking-review');
  const decisions = ['Accept', 'Reject', 'Accept'];
  for (const decision of decisions) {
    const button = page.locator(`button[value="${decision.toLowerCase()}"]`).first();
    assert.ok(await button.count(), `a pair to ${decision.toLowerCase()}`);
    await button.click();
    await page.waitForURL(/\/linking\/review\?partnership=\d+&status=pending&page=1$/);
  }
  await page.getByRole('link', { name: 'Accepted' }).click();
  await page.waitForURL(/status=accepted/);
  assert.equal(await page.locator('button[value="undo"]').count(), 2, 'two pairs accepted');
  await checkPage(page, '86-linking-accepted');
  await page.locator('button[value="undo"]').first().click();
  await page.waitForURL(/\/linking\/review\?partnership=\d+&status=accepted&page=1$/);
  assert.equal(await page.locator('button[value="undo"]').count(), 1, 'one decision undone');
  await page.getByRole('link', { name: 'Rejected' }).click();
  await page.waitForURL(/status=rejected/);
  assert.equal(await page.locator('button[value="undo"]').count(), 1, 'one pair rejected');

  // Two people linkage formed (the demo's own five people come first): merge the second into
  // the first, split one record off again, and undo both, newest first.
  await page.goto(`${server.url}/linking/corrections`);
  assert.match(await page.textContent('main'), /No person has been merged or split yet/);
  const [first, second] = ['6', '7'];
  await page.fill('#person', first);
  await page.click('button:has-text("Open")');
  await page.waitForURL(new RegExp(`/linking/people/${first}$`));
  await checkPage(page, '87-linking-person');
  await page.click('button:has-text("Merge into person")');
  assert.match(await page.textContent('.govuk-error-summary'), /Enter the number of the person to merge/);
  await checkPage(page, '88-linking-person-errors');
  await page.fill('#other', second);
  await page.fill('#reason', 'Same date of birth and address; a typing error in the surname');
  await page.click('button:has-text("Merge into person")');
  await page.waitForURL(new RegExp(`/linking/people/${first}#corrections$`));
  assert.match(await page.textContent('main'), new RegExp(`Person ${second} merged into person ${first}`));
  const records = await page.locator('input[name="records"]').count();
  assert.ok(records >= 2, 'the merged person\'s records are here too');
  await page.locator('input[name="records"]').last().check();
  await page.fill('#split_reason', 'A different date of birth: not the same person');
  await page.click('button:has-text("Split them off")');
  await page.waitForURL(new RegExp(`/linking/people/${first}#corrections$`));
  assert.match(await page.textContent('main'), /source record split off person/);
  await page.goto(`${server.url}/linking/corrections`);
  await checkPage(page, '89-linking-corrections');
  // Undo goes newest first: the split, then the merge.
  for (let i = 0; i < 2; i += 1) {
    await page.locator('button:has-text("Undo")').first().click();
    await page.waitForURL(/\/linking\/corrections$/);
  }
  assert.equal(await page.locator('td:has-text("Undone by admin")').count(), 2);

  // The demo's cohort is there; build one more, and start the business case from it.
  await page.click('nav a:has-text("Cohorts")');
  await page.waitForURL(/\/cohorts$/);
  assert.match(await page.textContent('main'), /Three or more needs in Sherwood/);
  await page.fill('#name', 'Child protection and school attendance');
  await page.check('input[name="needs"][value="child_protection"]');
  await page.check('input[name="needs"][value="school_attendance"]');
  await page.fill('#min_needs', '2');
  await page.fill('#cost_points_per_thousand', '1');
  await page.click('button:has-text("Save cohort")');
  await page.waitForURL(/\/cohorts\/\d+$/);
  assert.match(await page.textContent('main'), /Families found today\s*1/);
  await checkPage(page, '90-cohort');
  await page.click('button:has-text("Start an appraisal from this cohort")');
  await page.waitForURL(/\/appraisals\/\d+/);
  assert.match(await page.textContent('main'), /As Is/i);
  await checkPage(page, '91-cohort-appraisal');

  assert.deepEqual(await context.cspViolations(), []);
});
