// Shared helpers for the browser tests: start a fresh wholeplace server on a free port with its
// own temporary database (SQLite, or a fresh PostgreSQL database when asked), drive Debian's
// Chromium with playwright-core under the application's real Content-Security-Policy, and check
// pages with axe-core.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshots = join(root, 'tests', 'browser', 'screenshots');

// The binary cargo built: WHOLEPLACE_BIN when set, else in CARGO_TARGET_DIR when that is set (a
// shared target folder), else in the checkout's target/. The stylesheet is always in the
// checkout's target/assets, where `cargo xtask assets` writes it.
export const bin = process.env.WHOLEPLACE_BIN
  || join(resolve(root, process.env.CARGO_TARGET_DIR || 'target'), 'debug', 'wholeplace');
export const assetsDir = join(root, 'target', 'assets');

// PostgreSQL for the tests, when a server is named (CI sets it; see .ci/run).
export const postgresUrl = process.env.WHOLEPLACE_TEST_POSTGRES_URL || '';

// Fails when CI is set but no PostgreSQL server is named; otherwise skips the test without one.
// Returns whether the test should go on.
export function needPostgres(t) {
  if (postgresUrl) return true;
  if (process.env.CI) {
    throw new Error('CI is set but WHOLEPLACE_TEST_POSTGRES_URL is not: the PostgreSQL walks must run in CI (see .ci/run)');
  }
  t.skip('WHOLEPLACE_TEST_POSTGRES_URL is not set');
  return false;
}

function psql(url, sql) {
  try {
    execFileSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if (e.code === 'ENOENT') throw new Error('the PostgreSQL tests need psql (Debian package postgresql-client)');
    throw new Error(`psql: ${sql}: ${e.stderr?.toString() ?? e.message}`);
  }
}

// A new, empty PostgreSQL database on the server WHOLEPLACE_TEST_POSTGRES_URL names: its URL and
// a function that drops it.
export function createPostgresDatabase() {
  const name = `wholeplace_browser_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  psql(postgresUrl, `CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => psql(postgresUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

// Runs the wholeplace binary to completion; resolves with { code, stdout, stderr }.
export function runCli(args, { env = {}, cwd = root } = {}) {
  return new Promise((resolvePromise, reject) => {
    const proc = spawn(bin, ['--log', 'warn', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d.toString(); });
    proc.stderr.on('data', (d) => { stderr += d.toString(); });
    proc.on('error', reject);
    proc.on('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

// Starts `wholeplace serve` on a fresh database: SQLite in a temporary folder, or with
// { postgres: true } a new PostgreSQL database (migrated with `wholeplace migrate`, dropped by stop()).
export async function startServer(extraArgs = [], { postgres = false } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wholeplace-browser-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  let db = null;
  const dbArgs = [];
  if (postgres) {
    db = createPostgresDatabase();
    dbArgs.push('--database-url', db.url);
    const m = await runCli([...dbArgs, 'migrate']);
    if (m.code !== 0) {
      db.drop();
      throw new Error(`wholeplace migrate failed:\n${m.stdout}${m.stderr}`);
    }
  }
  const proc = spawn(bin, ['--data-dir', dataDir, ...dbArgs, '--log', 'warn', 'serve', '--listen', `127.0.0.1:${port}`, '--assets-dir', assetsDir, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.on('data', (d) => { out += d.toString(); });
  const exited = new Promise((r) => { proc.on('exit', r); proc.on('error', r); });
  let password;
  try {
    password = await new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30000);
      proc.stdout.on('data', (d) => {
        out += d.toString();
        const m = out.match(/one-time password: (\S+)/);
        if (m && out.includes('stop with Ctrl-C')) { clearTimeout(timer); resolvePromise(m[1]); }
      });
      proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
      proc.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot start ${bin} (build it with cargo build -p wholeplace-cli; CARGO_TARGET_DIR is honoured): ${e.message}`)); });
    });
  } catch (e) {
    proc.kill('SIGTERM');
    await exited;
    db?.drop();
    throw e;
  }
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
    db?.drop();
  };
  return { url: `http://127.0.0.1:${port}`, password, stop, proc, backend: postgres ? 'postgres' : 'sqlite', output: () => out };
}

export async function launch() {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A browser context under the page's real Content-Security-Policy (never bypassed) that records
// every CSP violation on every page it shows: each page reports its `securitypolicyviolation`
// events to the test through a binding (an init script and a binding work through the DevTools
// protocol, which the CSP does not govern), and Chromium's console messages about the policy are
// kept too. `await context.cspViolations()` lists them.
export async function newContext(browser, options = {}) {
  const context = await browser.newContext(options);
  const seen = [];
  await context.exposeBinding('__wpCspViolation', (source, text) => { seen.push(`${source.page?.url()}: ${text}`); });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__wpCspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
    });
  });
  context.on('console', (msg) => {
    if (/Content Security Policy|Content-Security-Policy/i.test(msg.text())) seen.push(`console: ${msg.text()}`);
  });
  context.cspViolations = async () => [...seen];
  return context;
}

// Signs in as the administrator with the one-time password and chooses a new password.
export async function signInAsAdmin(page, server, newPassword = 'browser test password 1') {
  await page.goto(server.url + '/sign-in');
  await page.fill('#username', 'admin');
  await page.fill('#password', server.password);
  await page.click('button:has-text("Sign in")');
  await page.waitForURL(/\/account\/password$/);
  await page.fill('#current_password', server.password);
  await page.fill('#new_password', newPassword);
  await page.fill('#confirm_password', newPassword);
  await page.click('button:has-text("Change password")');
  await page.waitForURL(/\/account/);
  return newPassword;
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// The rules every page is held to: WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices
// (landmarks, heading order, region ...).
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

// Runs axe-core on the page; returns the violations. axe is evaluated through the DevTools
// protocol (page.evaluate), which the page's Content-Security-Policy does not govern, so the tests
// run under the real policy; a <script> tag would be (rightly) refused by it.
export async function axe(page) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  }, AXE_TAGS);
}

// The page is no wider than the window: nothing scrolls sideways. Returns the widths.
export async function widths(page) {
  return page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, window: window.innerWidth }));
}
