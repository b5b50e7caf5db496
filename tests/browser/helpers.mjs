// Shared helpers for the browser tests: start a fresh wholeplace server on a free port with its
// own temporary database, drive Debian's Chromium with playwright-core, and check pages with axe-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const screenshots = join(root, 'tests', 'browser', 'screenshots');

export async function startServer(extraArgs = []) {
  const dataDir = mkdtempSync(join(tmpdir(), 'wholeplace-browser-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const bin = join(root, 'target', 'debug', 'wholeplace');
  const proc = spawn(bin, ['--data-dir', dataDir, '--log', 'warn', 'serve', '--listen', `127.0.0.1:${port}`, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.on('data', (d) => { out += d.toString(); });
  const password = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 30000);
    proc.stdout.on('data', (d) => {
      out += d.toString();
      const m = out.match(/one-time password: (\S+)/);
      if (m && out.includes('stop with Ctrl-C')) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)); });
  });
  return { url: `http://127.0.0.1:${port}`, password, stop: () => proc.kill('SIGTERM'), proc };
}

export async function launch() {
  mkdirSync(screenshots, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page for WCAG 2.0/2.1/2.2 A and AA rules; returns the violations.
export async function axe(page) {
  await page.addScriptTag({ content: axeSource }).catch(async () => {
    // The page's Content-Security-Policy forbids inline scripts; evaluate instead.
    await page.evaluate(axeSource);
  });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
  });
}
