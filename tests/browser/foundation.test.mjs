// The foundation in a real browser: sign in with the printed one-time password, be made to choose
// a password, look at every page, sign out; axe-core must find no WCAG 2.2 AA or best-practice
// violations. The walk runs on SQLite, and again on a fresh PostgreSQL database when
// WHOLEPLACE_TEST_POSTGRES_URL names a server (required when CI is set).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launch, axe, newContext, screenshots, needPostgres } from './helpers.mjs';

let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

async function check(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: accessibility violations ${JSON.stringify(violations, null, 2)}`);
}

test('sign in, change the one-time password, visit the pages, sign out (SQLite)', async () => {
  const server = await startServer(['--demo']);
  try {
    await walk(server, '');
  } finally {
    await server.stop();
  }
});

test('the same walk on a fresh PostgreSQL database', async (t) => {
  if (!needPostgres(t)) return;
  const server = await startServer(['--demo'], { postgres: true });
  try {
    assert.match(server.output(), /database: postgres:\/\/…@/, 'the server says it runs on PostgreSQL');
    await walk(server, 'pg-');
  } finally {
    await server.stop();
  }
});

async function walk(server, prefix) {
  const checkPage = (page, name) => check(page, prefix + name);
  const context = await newContext(browser);
  const page = await context.newPage();
  await page.goto(server.url + '/');
  assert.match(page.url(), /\/sign-in$/);
  await checkPage(page, '01-sign-in');

  // A wrong password shows the error summary.
  await page.fill('#username', 'admin');
  await page.fill('#password', 'not the password');
  await page.click('button:has-text("Sign in")');
  await page.waitForSelector('.govuk-error-summary');
  assert.match(await page.title(), /^Error:/);
  await checkPage(page, '02-sign-in-error');

  await page.fill('#username', 'admin');
  await page.fill('#password', server.password);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(/\/account\/password$/);
  await checkPage(page, '03-change-password');

  // Mismatched passwords are refused with every error listed.
  await page.fill('#current_password', server.password);
  await page.fill('#new_password', 'short');
  await page.fill('#confirm_password', 'different');
  await page.click('button:has-text("Change password")');
  await page.waitForSelector('.govuk-error-summary');
  const problems = await page.locator('.govuk-error-summary__list li').count();
  assert.ok(problems >= 2, `expected at least two problems, got ${problems}`);
  await checkPage(page, '04-change-password-errors');

  const newPassword = 'a brand new strong password';
  await page.fill('#current_password', server.password);
  await page.fill('#new_password', newPassword);
  await page.fill('#confirm_password', newPassword);
  await page.click('button:has-text("Change password")');
  await page.waitForURL(/\/account\?done=password$/);
  assert.match(await page.textContent('.govuk-notification-banner'), /password has been changed/);
  await checkPage(page, '05-account');

  for (const [path, name, heading] of [['/', '06-home', 'Your partnership'], ['/users', '07-users', 'Users'], ['/users/new', '08-add-user', 'Add a user'], ['/audit', '09-audit', 'Audit log']]) {
    await page.goto(server.url + path);
    assert.equal((await page.textContent('h1')).trim(), heading);
    await checkPage(page, name);
  }

  // Add a user through the form.
  await page.goto(server.url + '/users/new');
  await page.fill('#username', 'jo.analyst');
  await page.fill('#display_name', 'Jo Analyst');
  await page.check('#role-analyst');
  await page.check('input[name="agencies"] >> nth=0');
  await page.click('button:has-text("Add user")');
  await page.waitForSelector('.govuk-panel');
  assert.match(await page.textContent('.govuk-panel__title'), /jo\.analyst/);
  await checkPage(page, '10-user-added');

  await page.click('button:has-text("Sign out")');
  await page.waitForURL(/\/sign-in$/);
  await page.goto(server.url + '/users');
  assert.match(page.url(), /\/sign-in/, 'signed out: pages send you to sign in');

  // The new password works.
  await page.fill('#username', 'admin');
  await page.fill('#password', newPassword);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(/\/users$/);
  assert.deepEqual(await context.cspViolations(), [], 'no Content-Security-Policy violations');
  await context.close();
}
