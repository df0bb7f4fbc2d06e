/**
 * /docs renders in a real browser with no network: `wrangler dev` serves the Worker and
 * its static assets (.assets/, scripts/docs-assets.mjs), headless Chromium (Debian's
 * `chromium`; .ci/run installs it) loads the page with every host name but 127.0.0.1
 * unresolvable, and the rendered DOM must hold the operations of the OpenAPI document.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

import { freePort } from '../../scripts/lib/ports.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = ['chromium', 'chromium-browser', 'google-chrome'].find((b) => spawnSync('which', [b]).status === 0);

let wrangler: ChildProcess | undefined;
let base = '';
const stateDir = mkdtempSync(join(tmpdir(), 'docs-ui-'));

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The DOM after scripts ran, as headless Chromium dumps it; DNS answers nothing but 127.0.0.1. */
function renderedDom(url: string): string {
  const res = spawnSync(
    CHROMIUM!,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--no-first-run',
      `--user-data-dir=${join(stateDir, 'chromium')}`,
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--virtual-time-budget=20000',
      '--dump-dom',
      url,
    ],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (res.status !== 0) throw new Error(`chromium failed (${res.status ?? res.signal}): ${res.stderr}`);
  return res.stdout;
}

beforeAll(async () => {
  if (!CHROMIUM)
    throw new Error('headless Chromium is needed for this test: apt-get install chromium (.ci/run installs it)');
  if (!existsSync(join(ROOT, '.assets/docs/swagger-ui-bundle.js')))
    throw new Error('run `node scripts/docs-assets.mjs` (npm test does)');
  const port = await freePort();
  const vars = join(stateDir, '.dev.vars');
  writeFileSync(
    vars,
    Object.entries(inject('bindings'))
      .map(([k, v]) => `${k}='${v}'`)
      .join('\n') + '\n',
  );
  wrangler = spawn(
    'wrangler',
    [
      'dev',
      '--port',
      String(port),
      '--ip',
      '127.0.0.1',
      '--env-file',
      vars,
      '--show-interactive-dev-session=false',
      '--log-level',
      'error',
    ],
    { cwd: ROOT, stdio: 'ignore', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
  );
  base = `http://127.0.0.1:${port}`;
  await waitFor(`${base}/api/v1/openapi.json`, 90_000);
}, 120_000);

afterAll(async () => {
  if (wrangler && wrangler.exitCode === null) {
    const exited = new Promise((r) => wrangler!.once('exit', r));
    wrangler.kill('SIGINT');
    await exited;
  }
  rmSync(stateDir, { recursive: true, force: true });
});

describe('/docs', () => {
  it('serves the UI files itself (no CDN) under a CSP that allows only this origin', async () => {
    const page = await fetch(`${base}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    for (const file of ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css', '/docs/init.js']) {
      const res = await fetch(base + file);
      expect(res.status, file).toBe(200);
    }
  });

  it('renders the operations in headless Chromium with no network', async () => {
    const dom = renderedDom(`${base}/docs`);
    expect(dom).toContain('E-commerce Edge API');
    // Operation blocks with their paths and summaries, from /api/v1/openapi.json.
    expect(dom).toContain('opblock');
    expect(dom).toContain('/api/v1/products');
    expect(dom).toContain('Browse products');
    expect(dom).not.toContain('Failed to load API definition');
  }, 120_000);
});
