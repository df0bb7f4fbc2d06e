/**
 * Key rotation without downtime (docs/operations.md, Rotating keys).
 *
 *   npm run keys:rotate -- jwt      [--env production | --file F]   new signing key first, the previous
 *                                                                  one kept to verify; older ones dropped
 *   npm run keys:rotate -- totp     [--env production | --file F]   new TOTP_ENCRYPTION_KEY first, old kept
 *   npm run keys:rotate -- payments [--env production | --file F]   new PAYMENTS_ENCRYPTION_KEY first, old kept
 *   npm run keys:rotate -- totp|payments --reseal [--tenant ID] [--env ... | --file F]
 *                                   with DATABASE_URL (owner): re-seals every stored value with the
 *                                   first key (each tenant in one transaction; a value no key of
 *                                   the ring opens stops the run), then drops the old keys from the
 *                                   file (not with --tenant, which re-seals that tenant only)
 *
 * The file is .dev.vars, or .secrets.<env>.json with --env (upload it with
 * `npx wrangler secret bulk`). Order matters: upload the ring (new, old) and deploy, then
 * --reseal, then upload the file again (new only). JWT: wait at least the longest token
 * lifetime (access tokens 15 min; invitations 7 days) before the next rotation drops a key.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

import { importSecretKeys, openSecret, sealSecret } from '../src/lib/secret-box.ts';
import { generateSigningKey } from './lib/secrets.ts';
import { argsOf, fail, readSecrets, secretFileFor, writeSecrets } from './ops/secret-files.ts';

const FIELDS = {
  totp: { secret: 'TOTP_ENCRYPTION_KEY', table: 'auth.users', column: 'tfa_secret', aad: (id: string) => id },
  payments: {
    secret: 'PAYMENTS_ENCRYPTION_KEY',
    table: 'payments.payments',
    column: 'gateway_response',
    aad: (id: string) => `payment:${id}`,
  },
} as const;

const { flags, values, positional } = argsOf(process.argv.slice(2));
const what = positional[0];
const file = secretFileFor(values.get('env'), values.get('file'));
const secrets = readSecrets(file);

async function rotateJwt(): Promise<void> {
  const current = secrets.JWT_SIGNING_KEYS;
  if (!current) fail(`keys:rotate: no JWT_SIGNING_KEYS in ${file.path} (npm run secrets first)`);
  const keys = (JSON.parse(current) as { keys: Array<{ kid: string }> }).keys;
  const fresh = await generateSigningKey();
  const kept = keys.slice(0, 1);
  writeSecrets(file, { JWT_SIGNING_KEYS: JSON.stringify({ keys: [fresh, ...kept] }) });
  console.log(`keys:rotate jwt: signs with ${fresh.kid}; verifies ${kept.map((k) => k.kid).join(', ')} too`);
  const dropped = keys.slice(1).map((k) => k.kid);
  if (dropped.length) console.log(`keys:rotate jwt: dropped ${dropped.join(', ')}`);
}

async function rotateField(field: keyof typeof FIELDS): Promise<void> {
  const { secret } = FIELDS[field];
  const ring = (secrets[secret] ?? '').split(',').filter(Boolean);
  if (ring.length === 0) fail(`keys:rotate: no ${secret} in ${file.path} (npm run secrets first)`);
  writeSecrets(file, { [secret]: [randomBytes(32).toString('base64'), ...ring].join(',') });
  console.log(`keys:rotate ${field}: ${secret} now holds ${ring.length + 1} keys, the new one first`);
}

/**
 * Re-seals every stored value of `field` with the ring's first key, tenant by tenant. The tenant is
 * named in the statements as well as set for RLS: an owner that is a superuser bypasses RLS.
 */
async function reseal(field: keyof typeof FIELDS): Promise<void> {
  const { secret, table, column, aad } = FIELDS[field];
  const text = secrets[secret];
  if (!text) fail(`keys:rotate: no ${secret} in ${file.path}`);
  const url = process.env.DATABASE_URL;
  if (!url) fail('keys:rotate --reseal: set DATABASE_URL to the owner connection string');
  const ring = await importSecretKeys(text);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  let resealed = 0;
  try {
    // --tenant: one tenant only (the rest keep values the ring still opens; run again without it).
    const only = values.get('tenant');
    const tenants = only ? [{ id: only }] : await sql<{ id: string }[]>`select id from auth.tenants`;
    for (const { id: tenantId } of tenants) {
      resealed += await sql.begin(async (tx) => {
        await tx`select set_config('app.current_tenant', ${tenantId}, true)`;
        const rows = await tx<{ id: string; sealed: string }[]>`
          select id, ${tx(column)} as sealed from ${tx(table.split('.')[0]!)}.${tx(table.split('.')[1]!)}
          where tenant_id = ${tenantId} and ${tx(column)} is not null for update`;
        for (const row of rows) {
          const plain = await openSecret(ring, row.sealed, aad(row.id));
          const again = await sealSecret(ring, plain, aad(row.id));
          await tx`update ${tx(table.split('.')[0]!)}.${tx(table.split('.')[1]!)} set ${tx(column)} = ${again} where id = ${row.id} and tenant_id = ${tenantId}`;
        }
        return rows.length;
      });
    }
  } finally {
    await sql.end();
  }
  if (values.has('tenant')) {
    console.log(
      `keys:rotate ${field} --reseal: ${resealed} value(s) of tenant ${values.get('tenant')} re-sealed; ${secret} keeps its ring`,
    );
    return;
  }
  writeSecrets(file, { [secret]: text.split(',')[0]!.trim() });
  console.log(
    `keys:rotate ${field} --reseal: ${resealed} value(s) re-sealed; ${secret} in ${file.path} now holds the new key only`,
  );
}

if (what === 'jwt') await rotateJwt();
else if (what === 'totp' || what === 'payments') await (flags.has('reseal') ? reseal(what) : rotateField(what));
else fail('usage: npm run keys:rotate -- jwt|totp|payments [--reseal] [--env staging|production | --file F]');
if (file.kind === 'json')
  console.log(`upload: npx wrangler secret bulk ${file.path} --env ${values.get('env') ?? '<env>'}`);
