/**
 * The README's main command as a user runs it: `npm run dev` on its embedded defaults
 * (PGlite + FerretDB), loaded with several hundred requests that touch both stores,
 * then stopped with SIGTERM sent to the launcher alone (not its process group, as
 * `kill <pid>` does). It must answer every request, hold no finished PostgreSQL
 * connection open, and leave no process behind.
 *
 * Regression for the embedded PGlite server, which never closes a connection the
 * client terminated: before the WebSocket proxy ended terminated connections itself,
 * the stack answered 503/500 after about ten requests.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { LOCAL_FERRETDB_STORE_TIMEOUT_MS } from '../../scripts/lib/dev-server.ts';
import { freePort } from '../../scripts/lib/ports.ts';

const PLATFORM_TENANT_ID = '00000000-0000-4000-8000-000000000001';
const ROOT = resolve(import.meta.dirname, '../..');
const stateDir = mkdtempSync(join(tmpdir(), 'dev-stack-test-'));
let port: number;
let child: ReturnType<typeof spawn>;
let output = '';
const base = () => `http://127.0.0.1:${port}/api/v1`;

/** Every process below `pid` (children, grandchildren...). */
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of rows) if (pp === p) (found.push(c), walk(c));
  };
  walk(pid);
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DEV_STATE_DIR: stateDir };
  delete env.DATABASE_URL;
  delete env.MONGODB_URI;
  child = spawn('node', ['scripts/dev.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 170_000;
  while (!output.includes('[stack] api ')) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm run dev did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 180_000);

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(stateDir, { recursive: true, force: true });
});

describe('npm run dev on the embedded stack', () => {
  it('answers 400 requests that touch PostgreSQL and MongoDB, 8 at a time', async () => {
    const login = await fetch(`${base()}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': PLATFORM_TENANT_ID },
      body: JSON.stringify({ login: 'admin', password: 'Change-Me-Dev-42' }),
    });
    expect(login.status).toBe(200);
    const {
      tokens: { accessToken },
    } = (await login.json()) as { tokens: { accessToken: string } };
    const auth = { authorization: `Bearer ${accessToken}` };
    const paths = ['/health', '/users/me/profile', '/auth/api-keys', '/products?limit=5'];
    const statuses = new Map<number, number>();
    for (let round = 0; round < 50; round++) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fetch(base() + paths[(round + i) % paths.length], { headers: auth }).then(
            async (r) => (await r.arrayBuffer(), r.status),
          ),
        ),
      );
      for (const s of batch) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 400 });
  }, 240_000);

  it("gives the Worker the local engine's store timeout, not the production 3 s", () => {
    const vars = readFileSync(join(stateDir, '.dev.vars'), 'utf8');
    expect(vars).toContain(`STORE_TIMEOUT_MS='${LOCAL_FERRETDB_STORE_TIMEOUT_MS}'`);
  });

  it('holds no finished PostgreSQL connection open', async () => {
    const pgPort = /postgres:\/\/postgres@127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(pgPort).toBeDefined();
    await new Promise((r) => setTimeout(r, 2000));
    const open = execFileSync('ss', ['-Htn', 'state', 'established', `( sport = :${pgPort} )`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    expect(open.length).toBeLessThanOrEqual(1);
  });

  it('stops everything on SIGTERM to the launcher alone', async () => {
    const family = descendants(child.pid!);
    expect(family.length).toBeGreaterThanOrEqual(3); // PGlite, FerretDB, wrangler (+ workerd)
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // wrangler's own children (workerd, esbuild) may take a moment after it exits.
    const deadline = Date.now() + 15_000;
    while (family.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(family.filter(alive)).toEqual([]);
  }, 60_000);
});
