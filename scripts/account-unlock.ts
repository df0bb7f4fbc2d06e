/**
 * `npm run account:unlock -- --tenant <id|name|domain> --user <email|username>`: the operator's
 * way back in when no administrator can sign in (the only ADMIN locked by another, or paused
 * after failed sign-ins). Lifts an administrator's lock (`account_locked`) and a pause after
 * failures (`locked_until`), resets the failure count, and prints what it changed. Sessions an
 * administrator's lock ended stay ended: the user signs in again.
 *
 *   DATABASE_URL   the OWNER connection string (as for `npm run db:migrate`)
 *
 * Exit codes: 0 unlocked (or nothing to do), 1 no such tenant or user, 2 bad usage.
 * The tenant is set per transaction like the API does, so row-level security holds for an
 * owner that is not a superuser too.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';

import { isUuid } from '../src/lib/ids.ts';

export interface UnlockResult {
  tenant: { id: string; name: string };
  user: { id: string; email: string; username: string };
  before: { accountLocked: boolean; lockedUntil: Date | null; failedLoginAttempts: number };
}

export class UnlockError extends Error {}

/** Unlocks one user; throws UnlockError when the tenant or user does not exist. */
export async function unlockAccount(url: string, who: { tenant: string; user: string }): Promise<UnlockResult> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 30 });
  try {
    const byId = isUuid(who.tenant);
    const tenants = await sql<{ id: string; name: string }[]>`
      select id, name from auth.tenants
      where ${byId ? sql`id = ${who.tenant.toLowerCase()}` : sql`lower(name) = lower(${who.tenant}) or lower(domain) = lower(${who.tenant})`}`;
    if (tenants.length !== 1) throw new UnlockError(`no tenant ${JSON.stringify(who.tenant)} (by id, name or domain)`);
    const tenant = tenants[0]!;
    return await sql.begin(async (tx) => {
      await tx`select set_config('app.current_tenant', ${tenant.id}, true)`;
      const [found] = await tx<
        {
          id: string;
          email: string;
          username: string;
          account_locked: boolean;
          locked_until: Date | null;
          failed_login_attempts: number;
        }[]
      >`
        select id, email, username, account_locked, locked_until, failed_login_attempts from auth.users
        where tenant_id = ${tenant.id} and deleted_at is null
          and (lower(email) = lower(${who.user}) or lower(username) = lower(${who.user}))
        for update`;
      if (!found)
        throw new UnlockError(`no user ${JSON.stringify(who.user)} (by email or username) in tenant ${tenant.name}`);
      await tx`
        update auth.users set account_locked = false, locked_until = null, failed_login_attempts = 0, updated_at = now()
        where id = ${found.id}`;
      return {
        tenant,
        user: { id: found.id, email: found.email, username: found.username },
        before: {
          accountLocked: found.account_locked,
          lockedUntil: found.locked_until,
          failedLoginAttempts: found.failed_login_attempts,
        },
      };
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** One line saying what changed. */
export function describeUnlock(r: UnlockResult, now = new Date()): string {
  const was: string[] = [];
  if (r.before.accountLocked) was.push('locked by an administrator');
  if (r.before.lockedUntil && r.before.lockedUntil > now)
    was.push(`paused after failed sign-ins until ${r.before.lockedUntil.toISOString()}`);
  if (r.before.failedLoginAttempts > 0) was.push(`${r.before.failedLoginAttempts} failed sign-in(s) in a row`);
  const who = `${r.user.email} (username ${r.user.username}, id ${r.user.id}) in tenant ${r.tenant.name} (${r.tenant.id})`;
  return was.length === 0
    ? `account:unlock: ${who} was not locked; nothing changed`
    : `account:unlock: unlocked ${who}; it was ${was.join(', ')}`;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { tenant: { type: 'string' }, user: { type: 'string' } }, strict: true }).values;
  } catch (err) {
    console.error(`account:unlock: ${(err as Error).message}`);
    args = {};
  }
  if (!args.tenant || !args.user) {
    console.error('usage: npm run account:unlock -- --tenant <id|name|domain> --user <email|username>');
    return 2;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('account:unlock: set DATABASE_URL (the owner connection string)');
    return 2;
  }
  try {
    console.log(describeUnlock(await unlockAccount(url, { tenant: args.tenant, user: args.user })));
    return 0;
  } catch (err) {
    if (err instanceof UnlockError) {
      console.error(`account:unlock: ${err.message}; nothing changed`);
      return 1;
    }
    throw err;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
