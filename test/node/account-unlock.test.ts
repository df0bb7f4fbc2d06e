/**
 * `npm run account:unlock -- --tenant <id|name|domain> --user <email|username>` against the test
 * PostgreSQL with the owner connection: lifts an administrator's lock and a pause after failed
 * sign-ins, resets the count, says what it did; refuses unknown tenants/users and bad usage.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';

const ownerUrl = inject('ownerDatabaseUrl');
const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

const SCRIPT = fileURLToPath(new URL('../../scripts/account-unlock.ts', import.meta.url));

function run(args: string[], env: Record<string, string | undefined> = { DATABASE_URL: ownerUrl }) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [SCRIPT, ...args],
      { env: { ...process.env, DATABASE_URL: undefined, ...env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        }),
    );
  });
}

async function lockedUser() {
  const tenantId = crypto.randomUUID();
  const handle = `u${tenantId.slice(0, 8)}`;
  const name = `unlock-${tenantId}`;
  await sql`insert into auth.tenants (id, name, domain) values (${tenantId}, ${name}, ${`${tenantId}.example.com`})`;
  const [user] = await sql.begin(async (tx) => {
    await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
    return tx<{ id: string }[]>`
      insert into auth.users (tenant_id, email, username, password_hash, account_locked, locked_until, failed_login_attempts)
      values (${tenantId}, ${`${handle}@example.com`}, ${handle}, 'x', true, now() + interval '10 minutes', 7)
      returning id`;
  });
  return { tenantId, name, email: `${handle}@example.com`, username: handle, id: user!.id };
}

async function row(tenantId: string, id: string) {
  const [r] = await sql.begin(async (tx) => {
    await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
    return tx`select account_locked, locked_until, failed_login_attempts from auth.users where id = ${id}`;
  });
  return r;
}

describe('npm run account:unlock', () => {
  it('unlocks by tenant name and email: administrator lock and pause lifted, count reset, and says so', async () => {
    const u = await lockedUser();
    const res = await run(['--tenant', u.name, '--user', u.email.toUpperCase()]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`unlocked ${u.email}`);
    expect(res.stdout).toMatch(/locked by an administrator, paused after failed sign-ins until .*, 7 failed sign-in/);
    expect(res.stdout).toContain(u.id);
    expect(await row(u.tenantId, u.id)).toEqual({
      account_locked: false,
      locked_until: null,
      failed_login_attempts: 0,
    });
    // Again: nothing to do, still exit 0.
    const again = await run(['--tenant', u.tenantId, '--user', u.username]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was not locked; nothing changed');
  });

  it('by tenant id or domain and username; unknown tenant or user: exit 1, nothing changed; bad usage: exit 2', async () => {
    const u = await lockedUser();
    const other = await lockedUser();
    expect((await run(['--tenant', `${u.tenantId}.example.com`, '--user', 'nobody'])).code).toBe(1);
    // A user of another tenant is not found through this one.
    const cross = await run(['--tenant', u.tenantId, '--user', other.username]);
    expect(cross.code).toBe(1);
    expect(cross.stderr).toContain('nothing changed');
    expect((await run(['--tenant', crypto.randomUUID(), '--user', u.username])).code).toBe(1);
    expect(await row(other.tenantId, other.id)).toMatchObject({ account_locked: true, failed_login_attempts: 7 });
    expect((await run(['--tenant', u.tenantId])).code).toBe(2);
    expect((await run(['--tenant', u.tenantId, '--user', u.username], { DATABASE_URL: undefined })).code).toBe(2);
    const ok = await run(['--tenant', `${u.tenantId}.EXAMPLE.com`, '--user', u.username]);
    expect(ok.code).toBe(0);
    expect(await row(u.tenantId, u.id)).toMatchObject({ account_locked: false, failed_login_attempts: 0 });
  });
});
