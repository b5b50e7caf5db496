// Soft outcomes and place perception in a real browser, on the demo: a scale with the demo
// family's readings and the distance travelled; ONS4 recorded for a person and shown measure by
// measure beside a local authority's published means; (S)WEMWBS refused until an administrator
// records the registration, then offered with its notice; an Outcomes Star import refused with its
// row and column named; Wychavon's survey with its response rate and compass charts (each with a
// table of the means and a sentence saying what it shows); a paper response; and the public link
// answered signed out. axe-core must find no WCAG 2.2 AA violations on these pages.
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

const PASSWORD = 'soft outcomes admin password 1';
let signedUp = false;

// The first sign-in changes the one-time password; later ones use the new one.
async function signIn(page) {
  if (!signedUp) {
    await signInAsAdmin(page, server, PASSWORD);
    signedUp = true;
    return;
  }
  await page.goto(server.url + '/sign-in');
  await page.fill('#username', 'admin');
  await page.fill('#password', PASSWORD);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

async function checkPage(page, name) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${name}: accessibility violations ${JSON.stringify(violations, null, 2)}`);
}

test('scales, ONS4, the (S)WEMWBS gate and an Outcomes Star import', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page);
  await page.click('nav a:has-text("Outcomes")');
  await page.click('a:has-text("soft outcomes and wellbeing")');
  await page.waitForURL(/\/soft-outcomes$/);
  assert.match(await page.textContent('main'), /not available until an administrator records the registration/);
  await checkPage(page, 'soft-outcomes');

  await page.click('a:has-text("Feeling safe in my street")');
  await page.waitForURL(/\/soft-outcomes\/scales\/\d+$/);
  let main = await page.textContent('main');
  assert.match(main, /Completely safe/);
  assert.match(main, /Mean distance travelled/);
  assert.match(main, /Family \d+/);
  await checkPage(page, 'soft-outcomes-scale');
  await page.fill('#family', '1');
  await page.fill('#score', '9');
  await page.click('button:has-text("Record reading")');
  await page.waitForSelector('.govuk-error-summary');
  const errors = await page.textContent('.govuk-error-summary');
  assert.match(errors, /Enter the day of the reading/);
  assert.match(errors, /Enter the score from 1 to 5/);
  await checkPage(page, 'soft-outcomes-scale-error');

  await page.goto(`${server.url}/soft-outcomes/ons4`);
  await page.fill('#person', '1');
  await page.fill('#taken_on', '2024-05-01');
  for (const [f, v] of [['life_satisfaction', '4'], ['worthwhile', '9'], ['happiness', '7'], ['anxiety', '6']]) await page.fill(`#${f}`, v);
  await page.click('button:has-text("Record reading")');
  await page.waitForURL(/\/soft-outcomes\/ons4$/);
  await page.fill('#published-place', 'Wychavon');
  await page.fill('#published-period', '2022/23');
  await page.fill('#published-life_satisfaction', '7.52');
  await page.fill('#published-anxiety', '3.10');
  await page.fill('#published-source', 'ONS Annual Population Survey (entered for the test)');
  await page.click('button:has-text("Add published figures")');
  await page.waitForURL(/\/soft-outcomes\/ons4$/);
  main = await page.textContent('main');
  assert.match(main, /Life satisfaction: 1 answers, mean 4\.00/);
  assert.match(main, /Anxiety: 1 answers, mean 6\.00/);
  assert.match(main, /7\.52/);
  assert.doesNotMatch(main, /combined score/i);
  await checkPage(page, 'soft-outcomes-ons4');

  const refused = await page.request.get(`${server.url}/soft-outcomes/wemwbs`);
  assert.equal(refused.status(), 403);
  assert.match(await refused.text(), /an administrator must first record the registration/);
  assert.equal((await page.request.get(`${server.url}/soft-outcomes/wemwbs.csv`)).status(), 403);

  await page.goto(`${server.url}/soft-outcomes/wemwbs/registration`);
  await checkPage(page, 'soft-outcomes-wemwbs-registration');
  await page.fill('#registered_by', 'Wychavon District Council');
  await page.fill('#registered_on', '2024-04-01');
  await page.fill('#licence_reference', 'TEST-REG-42');
  await page.click('button:has-text("Record the registration")');
  await page.waitForURL(/\/soft-outcomes\/wemwbs$/);
  assert.match(await page.textContent('#wemwbs-notice'), /TEST-REG-42/);
  await page.selectOption('#scale', 'swemwbs');
  await page.fill('#person', '1');
  await page.fill('#taken_on', '2024-05-01');
  await page.fill('#items', '3 3 4 4 3 2 5');
  await page.click('button:has-text("Record reading")');
  await page.waitForURL(/\/soft-outcomes\/wemwbs$/);
  assert.match(await page.textContent('main'), /swemwbs\s*24/);
  await checkPage(page, 'soft-outcomes-wemwbs');
  const csv = await (await page.request.get(`${server.url}/soft-outcomes/wemwbs.csv`)).text();
  assert.match(csv.split('\n')[1], /TEST-REG-42/, 'every row of the CSV carries the notice');

  await page.goto(`${server.url}/soft-outcomes/star`);
  await page.setInputFiles('#file', {
    name: 'star.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('person,date,star,Managing money\n1,2024-01-01,Home Star,3\n1,2024-13-01,Home Star,12\n'),
  });
  await page.click('button:has-text("Import readings")');
  await page.waitForSelector('.govuk-error-summary');
  const summary = await page.textContent('.govuk-error-summary');
  assert.match(summary, /Row 3, column 'date'/);
  assert.match(summary, /Row 3, column 'Managing money': Enter a score from 1 to 10/);
  assert.match(summary, /Nothing was imported/);
  await checkPage(page, 'soft-outcomes-star-error');
  await context.close();
});

test('a perception survey with its compass, a paper response and the public link', async () => {
  const context = await newContext(browser);
  const page = await context.newPage();
  await signIn(page);
  await page.goto(`${server.url}/outcomes`);
  await page.click('a:has-text("place perception surveys")');
  await page.waitForURL(/\/surveys$/);
  await checkPage(page, 'surveys');
  await page.click('a:has-text("Community researched place survey")');
  await page.waitForURL(/\/surveys\/\d+$/);
  const main = await page.textContent('main');
  assert.match(main, /33\.00%/, 'the first round answered by 99 of 300');
  assert.match(main, /Moving around/);
  assert.match(main, /Influence and sense of control/);
  const compass = page.locator('svg.wp-chart').first();
  assert.match(await compass.locator('title').textContent(), /mean score by theme, each round/);
  assert.match(await compass.locator('desc').textContent(), /Spring 2023: highest/);
  assert.equal(await page.locator('svg.wp-chart').count(), 2, 'every round, and the latest round by group');
  await checkPage(page, 'survey');
  const survey = page.url();

  await page.locator('a:has-text("enter a paper response")').last().click();
  await page.waitForURL(/\/paper$/);
  await page.selectOption('#theme_1', '6');
  await page.fill('#good', 'The new footpath');
  await page.click('button:has-text("Save response")');
  await page.waitForURL(survey);
  assert.match(await page.textContent('main'), /The new footpath/);

  const closed = await page.locator('tr:has-text("Spring 2023") a:has-text("the round\'s link")').getAttribute('href');
  await page.fill('#label', 'Open now');
  await page.fill('#opens_on', '2000-01-01');
  await page.fill('#closes_on', '2099-12-31');
  await page.fill('#invited', '10');
  await page.fill('#groups', 'Evesham\nPershore');
  await page.click('button:has-text("Add round")');
  await page.waitForURL(survey);
  const link = await page.locator('tr:has-text("Open now") a:has-text("the round\'s link")').getAttribute('href');
  await context.close();

  const anon = await newContext(browser);
  const pub = await anon.newPage();
  await pub.goto(`${server.url}${closed}`);
  assert.match(await pub.textContent('main'), /not open today/, 'the demo rounds have closed');
  await pub.goto(`${server.url}${link}`);
  assert.equal(await pub.locator('nav a').count(), 0, 'no sign-in needed, no navigation offered');
  await pub.click('button:has-text("Send my answers")');
  await pub.waitForSelector('.govuk-error-summary');
  assert.match(await pub.textContent('.govuk-error-summary'), /Score at least one theme/);
  await checkPage(pub, 'survey-public-error');
  await pub.selectOption('#group', 'Pershore');
  await pub.selectOption('#theme_2', '2');
  await pub.selectOption('#theme_12', '5');
  await pub.fill('#better', 'More buses');
  await pub.click('button:has-text("Send my answers")');
  await pub.waitForSelector('.govuk-panel');
  assert.match(await pub.textContent('main'), /Thank you/);
  await checkPage(pub, 'survey-public-thanks');
  await anon.close();
});
