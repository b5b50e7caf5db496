// Families in a real browser: the demo's Hill family seen by two practitioners of different
// agencies (Kent County Council and Kent Police), who see different parts of it; the police
// officer's emergency access, which opens the rest and reaches the privacy officer's queue; the
// sharing agreements. axe-core must find no WCAG 2.2 AA violations on these pages.
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

// Signs a demo practitioner in (their one-time password is printed at start-up) and changes it.
async function signInAs(page, username) {
  const m = server.output().match(new RegExp(`practitioner ${username.replace('.', '\\.')} \\([^)]*\\), one-time password: (\\S+)`));
  assert.ok(m, `the start-up output names ${username}'s one-time password`);
  await page.goto(server.url + '/sign-in');
  await page.fill('#username', username);
  await page.fill('#password', m[1]);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(/\/account\/password$/);
  await page.fill('#current_password', m[1]);
  await page.fill('#new_password', 'families test password 1');
  await page.fill('#confirm_password', 'families test password 1');
  await page.click('button:has-text("Change password")');
  await page.waitForURL(/\/account/);
}

async function openHillFamily(page) {
  await page.click('nav a:has-text("Families")');
  await page.waitForURL(/\/families$/);
  await page.getByRole('link', { name: 'The Hill family' }).click();
  await page.waitForURL(/\/families\/\d+$/);
  return page.textContent('main');
}

test('two agencies see different parts of the Hill family; emergency access opens the rest', async () => {
  const council = await (await newContext(browser)).newPage();
  await signInAs(council, 'kcc.worker');
  await council.click('nav a:has-text("Families")');
  await council.waitForURL(/\/families$/);
  await checkPage(council, '60-families');
  const seenByCouncil = await openHillFamily(council);
  assert.match(seenByCouncil, /Dawn Hill/);
  assert.match(seenByCouncil, /Children and Families: child in need/);
  assert.match(seenByCouncil, /Sherwood early help information-sharing agreement/);
  assert.doesNotMatch(seenByCouncil, /Arrest, detained/, 'the police record is not shared with the council');
  assert.match(seenByCouncil, /further involvements? you are not entitled to see/);
  assert.match(seenByCouncil, /Kyle goes to school every day/, 'the family plan, owned by the council');
  assert.match(seenByCouncil, /Agreed on \d{4}-\d{2}-\d{2} \(At a home visit/, 'the family agreed to take part');
  assert.match(seenByCouncil, /not the lawful basis for sharing their records/);
  assert.match(seenByCouncil, /Kyle went to school every day last week/, 'the goal\'s first review');
  await checkPage(council, '61-family-council');

  // The council's practitioner adds an event through its own form, then tries a move with no
  // address and sees the error summary.
  await council.getByRole('link', { name: 'Add an event to the timeline' }).click();
  await council.waitForURL(/\/records\/event$/);
  await council.fill('#summary', 'Phone call with Dawn about the attendance meeting');
  await council.selectOption('#class', 'social_care');
  await checkPage(council, '67-record-event');
  await council.click('button:has-text("Add the event")');
  await council.waitForURL(/\/families\/\d+#timeline$/);
  assert.match(await council.textContent('main'), /Phone call with Dawn about the attendance meeting/);
  await council.getByRole('link', { name: 'Record a move' }).click();
  await council.waitForURL(/\/records\/move$/);
  await council.click('button:has-text("Save")');
  assert.match(await council.textContent('.govuk-error-summary'), /Enter the family's new address/);
  await checkPage(council, '68-record-move-errors');
  await openHillFamily(council);

  const police = await (await newContext(browser)).newPage();
  await signInAs(police, 'police.officer');
  const seenByPolice = await openHillFamily(police);
  assert.match(seenByPolice, /Kyle Hill/);
  assert.match(seenByPolice, /Arrest, detained/);
  assert.doesNotMatch(seenByPolice, /Dawn Hill/, 'no agreement covers the police for the mother');
  assert.doesNotMatch(seenByPolice, /We keep our home/, 'nor for the council\'s plan');
  await checkPage(police, '62-family-police');

  await police.getByRole('link', { name: 'ask for emergency access' }).click();
  await police.waitForURL(/break-glass$/);
  await checkPage(police, '63-break-glass');
  await police.fill('#reason', 'Kyle missing overnight; need his mother\'s contact details now');
  await police.click('button:has-text("Open the records for 24 hours")');
  await police.waitForURL(/\/families\/\d+$/);
  const opened = await police.textContent('main');
  assert.match(opened, /through emergency access/);
  assert.match(opened, /Dawn Hill/);

  const admin = await (await newContext(browser)).newPage();
  await signInAsAdmin(admin, server, 'families admin password 1');
  await admin.goto(server.url + '/');
  assert.match(await admin.textContent('main'), /information-sharing agreements? needs? attention/, 'owners are warned on the home page');
  await admin.click('nav a:has-text("Privacy")');
  await admin.waitForURL(/\/privacy$/);
  assert.match(await admin.textContent('main'), /Kyle missing overnight/);
  await checkPage(admin, '64-privacy');
  await admin.click('nav a:has-text("Sharing")');
  await admin.waitForURL(/\/sharing$/);
  const register = await admin.textContent('main');
  assert.match(register, /6\(1\)\(e\) public task/);
  assert.match(register, /Review due in \d+ days/, 'owners are warned 60 days ahead');
  await checkPage(admin, '65-sharing');
  await admin.getByRole('link', { name: 'Record an agreement' }).click();
  await admin.waitForURL(/\/sharing\/new$/);
  await admin.click('button:has-text("Record agreement")');
  assert.match(await admin.textContent('.govuk-error-summary'), /Article 6 lawful basis/);
  await checkPage(admin, '66-agreement-errors');
});
