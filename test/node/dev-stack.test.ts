/**
 * The README's main command as a user runs it: `npm run dev` on its defaults (the local
 * engine: one PostgreSQL 15 cluster with DocumentDB, FerretDB v2), loaded with several hundred
 * requests that touch both stores, then concurrent reads and writes of both stores, then
 * stopped with SIGTERM sent to the launcher alone (not its process group, as `kill <pid>`
 * does). It must answer every request without a 5xx, hold no finished PostgreSQL connection
 * open, and leave no process behind.
 *
 * Regressions of the former embedded PGlite server, which served every connection through one
 * single-user PostgreSQL session: it never closed a connection the client terminated (503/500
 * after about ten requests), interleaved the statements of concurrent connections (`portal ""
 * does not exist`: 6 of 10 concurrent social sign-ins answered 500), and made a request that
 * opened a second connection inside a transaction wait until its store timeout (a PATCH of the
 * profile's firstName answered 503 after 15 s).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { PG_HTTP_APPLICATION_NAME } from '../../scripts/lib/pg-http.ts';
import { freePort } from '../../scripts/lib/ports.ts';
import { runExamples } from '../../scripts/readme-examples.ts';

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
    for (const [c, pp] of rows) {
      if (pp !== p) continue;
      found.push(c);
      walk(c);
    }
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

let auth: { authorization: string };
const json = { 'content-type': 'application/json' };

/** Status counts of `requests`, all sent at once. */
async function statuses(requests: (() => Promise<Response>)[]): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  const answers = await Promise.all(
    requests.map((r) => r().then(async (res) => (await res.arrayBuffer(), res.status))),
  );
  for (const s of answers) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

describe('npm run dev on the local engine', () => {
  it('answers 400 requests that touch PostgreSQL and MongoDB, 8 at a time', async () => {
    const login = await fetch(`${base()}/auth/login`, {
      method: 'POST',
      headers: { ...json, 'x-tenant-id': PLATFORM_TENANT_ID },
      body: JSON.stringify({ login: 'admin', password: 'Change-Me-Dev-42' }),
    });
    expect(login.status).toBe(200);
    // A real HTTP server from Node (not the Worker in workerd): the session is checked with zod, not cast.
    const {
      tokens: { accessToken },
    } = z.object({ tokens: z.object({ accessToken: z.string() }) }).parse(await login.json());
    auth = { authorization: `Bearer ${accessToken}` };
    const paths = ['/health', '/users/me/profile', '/auth/api-keys', '/products?limit=5'];
    const seen = new Map<number, number>();
    for (let round = 0; round < 50; round++) {
      const batch = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          fetch(base() + paths[(round + i) % paths.length], { headers: auth }).then(
            async (r) => (await r.arrayBuffer(), r.status),
          ),
        ),
      );
      for (const s of batch) seen.set(s, (seen.get(s) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual({ 200: 400 });
  }, 240_000);

  it('answers concurrent social sign-ins beside /auth/me without a 5xx', async () => {
    // No provider is configured on the dev stack: alone, a sign-in answers 404 (429 past the rate limit).
    const signIn = () =>
      fetch(`${base()}/auth/oauth/google`, {
        method: 'POST',
        headers: { ...json, 'x-tenant-id': PLATFORM_TENANT_ID },
        body: JSON.stringify({ idToken: 'not-a-token' }),
      });
    const me = () => fetch(`${base()}/auth/me`, { headers: auth });
    const counts = await statuses(Array.from({ length: 20 }, (_, i) => (i % 2 ? signIn : me)));
    expect(counts[200]).toBe(10);
    expect((counts[404] ?? 0) + (counts[429] ?? 0)).toBe(10);
  });

  it('writes both stores concurrently without a 5xx: profile updates, new products, and reads of each', async () => {
    const patch = (i: number) => () =>
      fetch(`${base()}/users/me/profile`, {
        method: 'PATCH',
        headers: { ...auth, ...json },
        body: JSON.stringify({ firstName: `Admin${i}` }),
      });
    const product = (i: number) => () =>
      fetch(`${base()}/products`, {
        method: 'POST',
        headers: { ...auth, ...json, 'idempotency-key': `dev-stack-${Date.now()}-${i}` },
        body: JSON.stringify({ name: `Dev stack lamp ${i} ${Date.now()}`, price: '24.90', stockQuantity: 5 }),
      });
    const read = (path: string) => () => fetch(base() + path, { headers: auth });
    const started = Date.now();
    const counts = await statuses([
      ...Array.from({ length: 6 }, (_, i) => patch(i)),
      ...Array.from({ length: 6 }, (_, i) => product(i)),
      ...Array.from({ length: 6 }, (_, i) => read(i % 2 ? '/users/me/profile' : '/products?limit=5')),
    ]);
    expect(counts).toEqual({ 200: 12, 201: 6 });
    // A name change copies the name to the auth user on another connection: no wait for a lock.
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it('runs every runnable example of README.md and docs/ as written', () => {
    const result = runExamples(`http://localhost:${port}`);
    expect(result.blocks).toBeGreaterThanOrEqual(6);
    expect(result.ok, result.output.split('\n').slice(-20).join('\n')).toBe(true);
  }, 240_000);

  it('passes npm run smoke, a test-provider order included', () => {
    const smoke = spawnSync(
      process.execPath,
      [
        'scripts/smoke.ts',
        `http://localhost:${port}`,
        '--order',
        '--admin-login',
        'admin',
        '--admin-password',
        'Change-Me-Dev-42',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000 },
    );
    expect(smoke.status, smoke.stdout + smoke.stderr).toBe(0);
    expect(smoke.stdout).toMatch(/smoke: 5 steps passed/);
  }, 150_000);

  it('gives the Worker the production store timeout (3 s from wrangler.toml), no longer a local one', () => {
    const vars = readFileSync(join(stateDir, '.dev.vars'), 'utf8');
    expect(vars).not.toContain('STORE_TIMEOUT_MS');
  });

  it("holds no finished connection of the Worker's PostgreSQL login open", async () => {
    // The cluster also serves FerretDB's own connection pool (DocumentDB's database): count the app's login only,
    // and of it not the pool of the local HTTP SQL endpoint (scripts/lib/pg-http.ts, Neon's pooler locally).
    const ownerUrl = /postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+/.exec(output)?.[0];
    expect(ownerUrl).toBeDefined();
    await new Promise((r) => setTimeout(r, 2000));
    const sql = postgres(ownerUrl!, { max: 1, onnotice: () => {} });
    try {
      const [{ open }] =
        (await sql`select count(*)::int as open from pg_stat_activity where usename = 'ecommerce_app_login' and application_name <> ${PG_HTTP_APPLICATION_NAME}`) as unknown as [
          { open: number },
        ];
      expect(open).toBe(0);
    } finally {
      await sql.end();
    }
  });

  it('stops everything on SIGTERM to the launcher alone', async () => {
    const family = descendants(child.pid!);
    expect(family.length).toBeGreaterThanOrEqual(3); // PostgreSQL, FerretDB, wrangler (+ workerd)
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    // wrangler's own children (workerd, esbuild) may take a moment after it exits.
    const deadline = Date.now() + 15_000;
    while (family.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(family.filter(alive)).toEqual([]);
  }, 60_000);
});
