// The command line against PostgreSQL: on a fresh database migrate (twice: the second finds nothing
// to do), check, load the demonstration, manage users, export everything; then import that
// workbook into a second fresh database, import it again (nothing changes), and export it there:
// the two workbooks must be byte for byte the same. Runs when WHOLEPLACE_TEST_POSTGRES_URL names a
// server; fails when CI is set without one (see .ci/run); otherwise reports itself skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, createPostgresDatabase, needPostgres } from './helpers.mjs';

// Runs a command and insists that it succeeded; returns its standard output.
async function ok(db, args) {
  const r = await runCli(['--database-url', db.url, ...args]);
  assert.equal(r.code, 0, `wholeplace ${args.join(' ')} failed (${r.code}):\n${r.stdout}${r.stderr}`);
  const out = r.stdout + r.stderr;
  assert.doesNotMatch(out, /:postgres@|postgres:postgres/, `wholeplace ${args.join(' ')} never prints the database password`);
  return r.stdout;
}

test('migrate, demo, user, export and import on PostgreSQL', async (t) => {
  if (!needPostgres(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'wholeplace-cli-pg-'));
  const first = createPostgresDatabase();
  const second = createPostgresDatabase();
  try {
    assert.match(await ok(first, ['migrate']), /postgres:\/\/…@.*applied migrations \[/);
    assert.match(await ok(first, ['migrate']), /up to date, no migrations to apply/);
    assert.match(await ok(first, ['check']), /integrity ok/);

    const demo = await ok(first, ['demo']);
    assert.match(demo, /demonstration data loaded/);
    assert.match(demo, /one-time password \S+/);
    assert.match(await ok(first, ['demo']), /already has places; nothing loaded/);

    const agencies = await ok(first, ['user', 'agencies']);
    assert.match(agencies, /^Kent County Council \(/m);
    const added = await ok(first, ['user', 'add', 'jo.analyst', '--name', 'Jo Analyst', '--role', 'analyst', '--agency', 'Kent County Council']);
    assert.match(added, /Added jo\.analyst \(analyst\)\. One-time password: \S+/);
    let users = await ok(first, ['user', 'list']);
    assert.match(users, /^admin\s/m);
    assert.match(users, /^jo\.analyst\s+analyst\s+password to set\s+Jo Analyst \[Kent County Council\]/m);
    await ok(first, ['user', 'disable', 'jo.analyst']);
    users = await ok(first, ['user', 'list']);
    assert.match(users, /^jo\.analyst\s+analyst\s+disabled/m);
    await ok(first, ['user', 'enable', 'jo.analyst']);
    assert.match(await ok(first, ['user', 'reset-password', 'jo.analyst']), /\S{12,}/);
    const refused = await runCli(['--database-url', first.url, 'user', 'add', 'x', '--name', 'X', '--role', 'analyst', '--agency', 'No Such Agency']);
    assert.notEqual(refused.code, 0, 'an unknown agency is refused');
    assert.match(refused.stderr, /there is no agency called 'No Such Agency'/);

    const exported = join(dir, 'everything.xlsx');
    const ex = await ok(first, ['export', exported]);
    const rows = Number(ex.match(/exported (\d+) rows in \d+ sheets/)?.[1]);
    assert.ok(rows > 50, `the demonstration exports its records: ${ex}`);

    // Into an empty database, twice, then out again.
    await ok(second, ['migrate']);
    const imported = await ok(second, ['import', exported]);
    for (const sheet of ['Agencies', 'Places', 'Contacts', 'Partnerships', 'Budget lines', 'Grants']) {
      const n = Number(imported.match(new RegExp(`^${sheet}\\s+(\\d+)$`, 'm'))?.[1]);
      assert.ok(n > 0, `${sheet} were imported: ${imported}`);
    }
    const again = await ok(second, ['import', exported]);
    assert.match(again, /already there and were left as they are/, 'importing the same file again changes nothing');
    const reexported = join(dir, 'again.xlsx');
    assert.match(await ok(second, ['export', reexported]), new RegExp(`exported ${rows} rows`));
    assert.ok(readFileSync(exported).equals(readFileSync(reexported)), 'export → import into an empty database → export gives the same workbook');
  } finally {
    first.drop();
    second.drop();
  }
});
