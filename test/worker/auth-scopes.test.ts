import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  apiAs,
  call,
  createTenant,
  jsonOf,
  platformAdmin,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';

/**
 * What an API key needs, per route, checked from the OpenAPI document itself: every
 * operation declares `x-api-key-scope`, and each declaration is enforced (a key
 * without the scope, or any key on a user-token-only route, gets 403).
 */
const Operation = z.looseObject({
  'x-api-key-scope': z.string().optional(),
  'x-access-note': z.string().optional(),
  security: z.array(z.record(z.string(), z.array(z.string()))).optional(),
});
const Doc = z.looseObject({ paths: z.record(z.string(), z.record(z.string(), Operation)) });
type Doc = z.infer<typeof Doc>;

const KEYS = '/api/v1/auth/api-keys';

/** The OpenAPI document (outside /api/v1, read raw), checked against the parts this test reads. */
async function openApi(): Promise<Doc> {
  const res = await call('/openapi.json');
  expect(res.status).toBe(200);
  return Doc.parse(await res.json());
}

function operations(doc: Doc) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

/** Every permission the user holds (an ADMIN: all of them). */
async function permissionsOf(user: TestUser): Promise<string[]> {
  return (await jsonOf(await apiAs(user).auth.me.$get(), 200)).permissions;
}

async function keyOf(user: TestUser, scopes: string[]): Promise<string> {
  return (await jsonOf(await apiAs(user).auth['api-keys'].$post({ json: { name: 'scoped', scopes } }), 201)).key;
}

/**
 * Raw: a request with a key to any path of the OpenAPI document, with an empty body where the
 * route takes one (the scope is checked before validation); the typed client cannot name a path
 * read at run time.
 */
const withKey = (key: string, method: string, path: string, body?: unknown) =>
  call(path, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A concrete URL for a templated path: any value passes, the check runs before validation. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '0123456789abcdef01234567');

describe('every route declares what an API key needs', () => {
  it('each operation has x-api-key-scope, and the security entry matches it', async () => {
    const ops = operations(await openApi());
    expect(ops.length).toBeGreaterThan(50);
    for (const { method, path, op } of ops) {
      const scope = op['x-api-key-scope'];
      expect(scope, `${method} ${path}`).toBeTruthy();
      if (scope === 'none') expect(op.security, `${method} ${path}`).toBeUndefined();
      else if (scope === 'user-token-only') expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
      else {
        // A route that also takes the resource's own secret or no credentials says so (x-access-note).
        const alternatives = op['x-access-note'] ? (op.security as unknown[]).slice(2) : [];
        expect(alternatives.length, `${method} ${path}`).toBeLessThanOrEqual(1);
        expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }, { apiKey: [] }, ...alternatives]);
      }
    }
  });

  it('account routes need a scope or a user token (no account route is public)', async () => {
    const ops = operations(await openApi()).filter(({ path }) =>
      /^\/api\/v1\/(users|admin|notifications|auth\/(me|api-keys|2fa))\b/.test(path),
    );
    for (const { method, path, op } of ops) expect(op['x-api-key-scope'], `${method} ${path}`).not.toBe('none');
    const review = operations(await openApi()).filter(
      ({ method, path }) => method !== 'GET' && /\/reviews\b/.test(path),
    );
    for (const { method, path, op } of review) expect(op['x-api-key-scope'], `${method} ${path}`).not.toBe('none');
  });

  it('user-token-only routes: 403 for a key holding every permission of an ADMIN owner', async () => {
    const admin = await platformAdmin();
    const key = await keyOf(admin, await permissionsOf(admin));
    const ops = operations(await openApi()).filter(({ op }) => op['x-api-key-scope'] === 'user-token-only');
    expect(ops.map(({ method, path }) => `${method} ${path}`)).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/2fa/disable',
        'POST /api/v1/auth/2fa/setup',
        'POST /api/v1/auth/2fa/enable',
        'GET /api/v1/auth/api-keys',
        'PUT /api/v1/admin/users/{id}/roles',
      ]),
    );
    for (const { method, path, op } of ops) {
      const res = await withKey(key, method, concrete(path), method === 'GET' || method === 'DELETE' ? undefined : {});
      if (op['x-access-note']) {
        // Checked by the handler (it also takes another credential): a key is refused there, 401.
        expect(res.status, `${method} ${path}`).toBe(401);
        expect((await problemOf(res)).detail, `${method} ${path}`).toMatch(/API keys cannot/);
        continue;
      }
      expect(res.status, `${method} ${path}`).toBe(403);
      expect((await problemOf(res)).detail, `${method} ${path}`).toMatch(/user token/);
    }
  });

  it('scoped routes: 403 for a key holding every other permission', async () => {
    const admin = await platformAdmin();
    const all = await permissionsOf(admin);
    const ops = operations(await openApi()).filter(
      ({ op }) => !['none', 'user-token-only'].includes(op['x-api-key-scope']!),
    );
    const scopes = [...new Set(ops.map(({ op }) => op['x-api-key-scope']!))];
    expect(scopes).toEqual(
      expect.arrayContaining(['delete:products', 'read:profile', 'write:products', 'write:profile', 'write:reviews']),
    );
    // Every declared scope is a permission that exists (an ADMIN holds them all), so a key can be given it.
    expect(all).toEqual(expect.arrayContaining(scopes));
    for (const scope of scopes) {
      const key = await keyOf(
        admin,
        all.filter((s) => s !== scope),
      );
      for (const { method, path } of ops.filter(({ op }) => op['x-api-key-scope'] === scope)) {
        const res = await withKey(
          key,
          method,
          concrete(path),
          method === 'GET' || method === 'DELETE' ? undefined : {},
        );
        expect(res.status, `${method} ${path}`).toBe(403);
        expect((await problemOf(res)).detail, `${method} ${path}`).toBe(`Missing permission: ${scope}.`);
      }
    }
  });
});

describe('account routes with API keys (the reported cases)', () => {
  it('a read:products key cannot patch the profile, add an address, post a review or read the profile', async () => {
    const user = await registerUser(await createTenant());
    const key = await keyOf(user, ['read:products']);
    expect((await withKey(key, 'PATCH', '/api/v1/users/me/profile', { firstName: 'Mallory' })).status).toBe(403);
    const address = {
      type: 'SHIPPING',
      addressLine1: '1 Main St',
      city: 'Springfield',
      postalCode: '12345',
      country: 'US',
    };
    expect((await withKey(key, 'POST', '/api/v1/users/me/addresses', address)).status).toBe(403);
    expect(
      (
        await withKey(key, 'POST', '/api/v1/products/0123456789abcdef01234567/reviews', {
          rating: 5,
          title: 'x',
          comment: 'y',
        })
      ).status,
    ).toBe(403);
    expect((await withKey(key, 'GET', '/api/v1/users/me/profile')).status).toBe(403);
    expect((await withKey(key, 'PUT', '/api/v1/users/me/preferences', {})).status).toBe(403);
    // Nothing was written: the profile still has the registered name.
    const profile = await jsonOf(await apiAs(user).users.me.profile.$get(), 200);
    expect(profile.firstName).toBe('Test');
  });

  it('a key scoped to the account works exactly within its scopes', async () => {
    const user = await registerUser(await createTenant());
    const reader = await keyOf(user, ['read:profile']);
    expect((await withKey(reader, 'GET', '/api/v1/users/me/profile')).status).toBe(200);
    expect((await withKey(reader, 'GET', '/api/v1/auth/me')).status).toBe(200);
    expect((await withKey(reader, 'PATCH', '/api/v1/users/me/profile', { firstName: 'Ada' })).status).toBe(403);
    const writer = await keyOf(user, ['write:profile']);
    const patched = await apiAs({ apiKey: writer }).users.me.profile.$patch({ json: { firstName: 'Ada' } });
    expect((await jsonOf(patched, 200)).firstName).toBe('Ada');
  });

  it('a read-only key cannot touch 2FA or API keys, whatever it holds', async () => {
    const user = await registerUser(await createTenant());
    const key = await keyOf(user, ['read:products', 'read:profile', 'write:profile', 'write:reviews']);
    for (const [method, path, body] of [
      ['POST', '/api/v1/auth/2fa/setup', undefined],
      ['POST', '/api/v1/auth/2fa/enable', { code: '123456' }],
      ['POST', '/api/v1/auth/2fa/disable', { code: '123456' }],
      ['GET', KEYS, undefined],
      ['POST', KEYS, { name: 'x', scopes: ['read:products'] }],
      ['DELETE', `${KEYS}/${crypto.randomUUID()}`, undefined],
    ] as const) {
      expect((await withKey(key, method, path, body)).status, `${method} ${path}`).toBe(403);
    }
  });
});
