/**
 * The operator's commands (docs/operations.md), run as a person would, against the test
 * PostgreSQL: secrets, the first platform admin and a new password, key rotation with re-sealing.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';

import { readSecrets } from '../../scripts/ops/secret-files.ts';
import { verifyPassword } from '../../src/lib/passwords.ts';
import { importSecretKeys, openSecret, sealSecret } from '../../src/lib/secret-box.ts';

const run = promisify(execFile);
const ownerUrl = inject('ownerDatabaseUrl');
const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());
const dir = () => mkdtempSync(join(tmpdir(), 'ops-'));

function node(script: string, args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [script, ...args], { env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('npm run secrets', () => {
  it('writes the missing secrets (mode 600), keeps existing ones, and prints no value', async () => {
    const file = join(dir(), '.dev.vars');
    writeFileSync(file, "# mine\nDATABASE_URL='postgres://me@db/x'\n");
    const first = await node('scripts/secrets.ts', ['--file', file]);
    const written = readSecrets({ path: file, kind: 'dotenv' });
    expect(Object.keys(written).sort()).toEqual([
      'DATABASE_URL',
      'JWT_SIGNING_KEYS',
      'MONGO_DATA_API_KEY',
      'PAYMENTS_ENCRYPTION_KEY',
      'PAYMENTS_TEST_WEBHOOK_SECRET',
      'TOTP_ENCRYPTION_KEY',
    ]);
    expect(readFileSync(file, 'utf8')).toMatch(/^# mine\n/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const value of Object.values(written)) expect(first.stdout).not.toContain(value);

    const second = await node('scripts/secrets.ts', ['--file', file]);
    expect(second.stdout).toMatch(/kept\s+JWT_SIGNING_KEYS/);
    expect(readSecrets({ path: file, kind: 'dotenv' })).toEqual(written);
  });

  it('for production: a wrangler secret bulk file without the test provider secret', async () => {
    const file = join(dir(), '.secrets.production.json');
    const out = await node('scripts/secrets.ts', ['--env', 'production', '--file', file]);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    expect(Object.keys(written).sort()).toEqual([
      'JWT_SIGNING_KEYS',
      'MONGO_DATA_API_KEY',
      'PAYMENTS_ENCRYPTION_KEY',
      'TOTP_ENCRYPTION_KEY',
    ]);
    expect(out.stdout).toContain(`npx wrangler secret bulk ${file} --env production`);
    expect(out.stdout).toContain('npx wrangler secret put STRIPE_SECRET_KEY --env production');
  });
});

describe('npm run admin:create / admin:password', () => {
  it('creates a platform ADMIN with a password from the environment, refuses a duplicate, then changes it', async () => {
    const tenantId = crypto.randomUUID();
    const handle = `ops${tenantId.slice(0, 8)}`;
    const env = { DATABASE_URL: ownerUrl, PLATFORM_TENANT_ID: tenantId, ADMIN_PASSWORD: 'Str0ng-Launch-Day!' };
    const created = await node(
      'scripts/admin-account.ts',
      ['create', '--email', `${handle}@shop.co`, '--username', handle],
      env,
    );
    expect(created.stdout).toContain(`platform ADMIN ${handle}`);
    await expect(
      node('scripts/admin-account.ts', ['create', '--email', `${handle}@shop.co`, '--username', handle], env),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('already exists') });

    const hashOf = async () => {
      const [row] = await sql.begin(async (tx) => {
        await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
        return tx`select u.password_hash, array(select r.name from auth.user_roles ur join auth.roles r on r.id = ur.role_id
                    where ur.user_id = u.id order by 1) as roles from auth.users u where u.username = ${handle}`;
      });
      return row as { password_hash: string; roles: string[] };
    };
    const before = await hashOf();
    expect(before.roles).toEqual(['ADMIN', 'USER']);
    expect((await verifyPassword('Str0ng-Launch-Day!', before.password_hash)).ok).toBe(true);

    // The development password and a weak one are refused; a good one replaces the hash.
    for (const bad of ['Change-Me-Dev-42', 'short'])
      await expect(
        node('scripts/admin-account.ts', ['password', '--user', handle], { ...env, ADMIN_PASSWORD: bad }),
      ).rejects.toMatchObject({ code: 2 });
    await node('scripts/admin-account.ts', ['password', '--user', `${handle}@shop.co`], {
      ...env,
      ADMIN_PASSWORD: 'An0ther-Good-One?',
    });
    expect((await verifyPassword('An0ther-Good-One?', (await hashOf()).password_hash)).ok).toBe(true);
  });
});

describe('npm run keys:rotate', () => {
  it('jwt: the new key signs, the previous one still verifies, older ones go', async () => {
    const file = join(dir(), '.dev.vars');
    await node('scripts/secrets.ts', ['--file', file]);
    const kidsOf = () =>
      (
        JSON.parse(readSecrets({ path: file, kind: 'dotenv' }).JWT_SIGNING_KEYS!) as { keys: { kid: string }[] }
      ).keys.map((k) => k.kid);
    const [original] = kidsOf();
    await node('scripts/keys-rotate.ts', ['jwt', '--file', file]);
    const [second, kept] = kidsOf();
    expect(kept).toBe(original);
    await node('scripts/keys-rotate.ts', ['jwt', '--file', file]);
    expect(kidsOf()).toHaveLength(2);
    expect(kidsOf()[1]).toBe(second);
  });

  it('payments: a ring (new, old) opens old values; --reseal moves every stored value to the new key', async () => {
    const file = join(dir(), '.dev.vars');
    await node('scripts/secrets.ts', ['--file', file]);
    const oldKey = readSecrets({ path: file, kind: 'dotenv' }).PAYMENTS_ENCRYPTION_KEY!;
    // A payment row sealed with the old key (the owner writes it directly: a fixture of stored data).
    const tenantId = crypto.randomUUID();
    const paymentId = crypto.randomUUID();
    const sealed = await sealSecret(
      await importSecretKeys(oldKey),
      '{"card":{"brand":"visa","last4":"4242"}}',
      `payment:${paymentId}`,
    );
    await sql.begin(async (tx) => {
      await tx`insert into auth.tenants (id, name) values (${tenantId}, ${'reseal-' + tenantId})`;
      await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
      await tx`insert into payments.payments (id, tenant_id, order_id, user_id, amount, currency, payment_method, payment_provider, transaction_type, status, gateway_response)
               values (${paymentId}, ${tenantId}, ${crypto.randomUUID()}, ${crypto.randomUUID()}, 10, 'USD', 'CREDIT_CARD', 'test', 'CHARGE', 'COMPLETED', ${sealed})`;
    });

    // Another tenant's payment, sealed with a key this ring does not hold: --tenant must not touch it,
    // even though the owner connection may be a superuser (which bypasses RLS).
    const otherTenant = crypto.randomUUID();
    const otherPayment = crypto.randomUUID();
    const foreign = await sealSecret(
      await importSecretKeys(randomBytes(32).toString('base64')),
      '{}',
      `payment:${otherPayment}`,
    );
    await sql.begin(async (tx) => {
      await tx`insert into auth.tenants (id, name) values (${otherTenant}, ${'reseal-' + otherTenant})`;
      await tx`select set_config('app.current_tenant', ${otherTenant}, true)`;
      await tx`insert into payments.payments (id, tenant_id, order_id, user_id, amount, currency, payment_method, payment_provider, transaction_type, status, gateway_response)
               values (${otherPayment}, ${otherTenant}, ${crypto.randomUUID()}, ${crypto.randomUUID()}, 1, 'USD', 'CREDIT_CARD', 'test', 'CHARGE', 'COMPLETED', ${foreign})`;
    });
    await node('scripts/keys-rotate.ts', ['payments', '--file', file]);
    const ring = readSecrets({ path: file, kind: 'dotenv' }).PAYMENTS_ENCRYPTION_KEY!;
    expect(ring.split(',')).toHaveLength(2);
    expect(ring.split(',')[1]).toBe(oldKey);
    expect(await openSecret(await importSecretKeys(ring), sealed, `payment:${paymentId}`)).toContain('4242');

    // Other tests' payments share this database, sealed with the stack's own key: this tenant only.
    const out = await node('scripts/keys-rotate.ts', ['payments', '--reseal', '--tenant', tenantId, '--file', file], {
      DATABASE_URL: ownerUrl,
    });
    expect(out.stdout).toContain(`1 value(s) of tenant ${tenantId} re-sealed`);
    expect(readSecrets({ path: file, kind: 'dotenv' }).PAYMENTS_ENCRYPTION_KEY).toBe(ring); // --tenant keeps the ring
    const newKey = ring.split(',')[0]!;
    const [row] = await sql.begin(async (tx) => {
      await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
      return tx`select gateway_response from payments.payments where id = ${paymentId}`;
    });
    const resealed = (row as { gateway_response: string }).gateway_response;
    expect(resealed).not.toBe(sealed);
    expect(await openSecret(await importSecretKeys(newKey), resealed, `payment:${paymentId}`)).toContain('4242');
    await expect(openSecret(await importSecretKeys(oldKey), resealed, `payment:${paymentId}`)).rejects.toThrow();
  });
});
