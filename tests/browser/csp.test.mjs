// The browser tests run under the application's real Content-Security-Policy (no bypassCSP):
// every response carries the policy, the policy really blocks inline script in Chromium, and the
// tests' violation recorder (helpers.mjs newContext) notices when it does, so the "no violations"
// checks in the other tests mean something. axe-core still runs: it is evaluated through the
// DevTools protocol, which the policy does not govern.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, axe, newContext, signInAsAdmin } from './helpers.mjs';

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

test('every response carries the Content-Security-Policy, and Chromium enforces it', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  for (const path of ['/sign-in', '/', '/no-such-page', '/static/app.js', '/assets/wholeplace.css', '/api/v1/openapi.json']) {
    const r = await page.request.get(server.url + path, { maxRedirects: 0 });
    const csp = r.headers()['content-security-policy'] ?? '';
    assert.match(csp, /(^|; )script-src 'self'(;|$)/, `${path}: scripts only from our origin (${csp})`);
    assert.match(csp, /(^|; )style-src 'self'(;|$)/, `${path}: styles only from our origin`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${path}: nothing unsafe`);
  }

  await signInAsAdmin(page, server, 'csp test password 1');
  await page.goto(server.url + '/places');
  assert.deepEqual(await context.cspViolations(), [], 'our own pages and script break no rule');
  // The one script runs (it is from our origin): GOV.UK Frontend's components have started.
  await page.waitForFunction(() => document.body.classList.contains('govuk-frontend-supported'));

  // axe-core runs under the policy.
  assert.deepEqual(await axe(page), []);

  // An inline script and an inline style attribute are refused, and the recorder sees both.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true;';
    document.body.appendChild(s);
    const d = document.createElement('div');
    d.setAttribute('style', 'color: red');
    document.body.appendChild(d);
  });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => window.__inlineRan), undefined, 'the inline script did not run');
  const violations = await context.cspViolations();
  assert.ok(violations.some((v) => /script-src/.test(v)), `the inline script was reported: ${violations.join('\n')}`);
  assert.ok(violations.some((v) => /style-src/.test(v)), `the inline style was reported: ${violations.join('\n')}`);
  await context.close();
});
