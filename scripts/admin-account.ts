/**
 * The first platform admin, and a new password for one: the operator's way in and out.
 *
 *   npm run admin:create -- --email ops@shop.co --username ops [--tenant-name Shop] [--domain api.shop.co]
 *   npm run admin:password -- --user ops@shop.co          (email or username)
 *
 * DATABASE_URL: the OWNER connection string (the one migrations use), never the app's login.
 * The password comes from ADMIN_PASSWORD or, when that is unset, is read from standard input
 * (not echoed on a terminal); it must pass the password policy and may not be the development
 * seed's password. `admin:create` makes the platform tenant (PLATFORM_TENANT_ID, default as in
 * wrangler.toml) if it is missing, then the ADMIN; it refuses an email or username that exists.
 * `admin:password` also clears a lock and the failed-login count.
 */
import postgres from 'postgres';

import { checkPasswordPolicy, hashPassword } from '../src/lib/passwords.ts';
import { DEVELOPMENT_ADMIN_PASSWORD } from '../src/services/health/configuration.ts';
import { seedSettingsFromEnv } from './lib/seed.ts';
import { argsOf, fail } from './ops/secret-files.ts';

async function readPassword(prompt: string): Promise<string> {
  if (process.env.ADMIN_PASSWORD) return process.env.ADMIN_PASSWORD;
  const input = process.stdin;
  if (input.isTTY) {
    process.stderr.write(prompt);
    input.setRawMode(true);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    const text = Buffer.from(chunk as Buffer).toString('utf8');
    const end = text.search(/[\r\n\u0004]/);
    if (text.includes('\u0003')) fail('\naborted');
    chunks.push(Buffer.from(end >= 0 ? text.slice(0, end) : text));
    if (end >= 0) break;
  }
  if (input.isTTY) {
    input.setRawMode(false);
    process.stderr.write('\n');
  }
  input.pause();
  return Buffer.concat(chunks).toString('utf8');
}

function checkedPassword(password: string, who: { email?: string; username?: string }): string {
  if (password === DEVELOPMENT_ADMIN_PASSWORD) fail('the development seed password is refused: choose another');
  const problems = checkPasswordPolicy(password, who);
  if (problems.length) fail(problems.join('\n'));
  return password;
}

const command = process.argv[2];
const { values } = argsOf(process.argv.slice(3));
const url = process.env.DATABASE_URL;
if (!url) fail(`${command}: set DATABASE_URL to the owner connection string`);
const platformTenantId = seedSettingsFromEnv().tenantId;
const sql = postgres(url, { max: 1, onnotice: () => {} });

try {
  if (command === 'create') {
    const email = values.get('email')?.toLowerCase();
    const username = values.get('username');
    if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) fail('admin:create: --email is required');
    if (!username) fail('admin:create: --username is required');
    const password = checkedPassword(await readPassword(`password for ${email}: `), { email, username });
    const hash = await hashPassword(password);
    const created = await sql.begin(async (tx) => {
      await tx`insert into auth.tenants (id, name, domain, plan, max_users)
               values (${platformTenantId}, ${values.get('tenant-name') ?? 'Platform'}, ${values.get('domain') ?? null}, 'ENTERPRISE', 100000)
               on conflict (id) do nothing`;
      await tx`select set_config('app.current_tenant', ${platformTenantId}, true)`;
      const taken =
        await tx`select 1 from auth.users where lower(email) = ${email} or lower(username) = ${username.toLowerCase()}`;
      if (taken.length > 0) return false;
      const [user] = await tx`insert into auth.users (tenant_id, email, username, password_hash, email_verified)
               values (${platformTenantId}, ${email}, ${username}, ${hash}, true) returning id`;
      await tx`insert into auth.user_roles (user_id, role_id, tenant_id)
               select ${user!.id}, id, ${platformTenantId} from auth.roles where name in ('ADMIN', 'USER')`;
      const [profile] = await tx`insert into users.user_profiles (tenant_id, user_id, email)
               values (${platformTenantId}, ${user!.id}, ${email}) returning id`;
      await tx`insert into users.user_preferences (tenant_id, user_profile_id) values (${platformTenantId}, ${profile!.id})`;
      return true;
    });
    if (!created)
      fail(`admin:create: ${email} or ${username} already exists (npm run admin:password changes a password)`);
    console.log(`admin:create: platform ADMIN ${username} <${email}> created in tenant ${platformTenantId}`);
  } else if (command === 'password') {
    const login = values.get('user')?.toLowerCase();
    if (!login) fail('admin:password: --user <email or username> is required');
    const password = checkedPassword(await readPassword(`new password for ${login}: `), {});
    const hash = await hashPassword(password);
    const rows = await sql.begin(async (tx) => {
      await tx`select set_config('app.current_tenant', ${platformTenantId}, true)`;
      return tx`update auth.users set password_hash = ${hash}, failed_login_attempts = 0, locked_until = null,
                  status = case when status = 'LOCKED' then 'ACTIVE' else status end, updated_at = now()
                where lower(email) = ${login} or lower(username) = ${login} returning username`;
    });
    if (rows.length === 0) fail(`admin:password: no user '${login}' in the platform tenant ${platformTenantId}`);
    console.log(`admin:password: new password set for ${rows[0]!.username} (lock and failed logins cleared)`);
  } else {
    fail('usage: node scripts/admin-account.ts create|password ...');
  }
} finally {
  await sql.end();
}
