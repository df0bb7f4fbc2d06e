import { env } from 'cloudflare:workers';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { systemContext } from '../../src/services/context.ts';
import { deleteProfile } from '../../src/services/users/profiles.ts';
import {
  apiAs,
  callAs as as,
  call,
  createTenant,
  fieldsOf as fieldsNamed,
  jsonOf,
  problemOf,
  registerUser,
  type TestUser,
} from '../fixtures/index.ts';
import { testStores } from './stores.ts';

/*
 * Raw requests (`call`, `as`) remain for what the typed client cannot send: bodies of the wrong
 * types, unknown fields, tables of invalid values; every body read goes through the typed client.
 */
const PROFILE = '/api/v1/users/me/profile';
const PREFERENCES = '/api/v1/users/me/preferences';
const me = (user: TestUser) => apiAs(user).users.me;

async function newUser(overrides: { firstName?: string; lastName?: string } = {}): Promise<TestUser> {
  return registerUser(await createTenant(), overrides);
}

async function fieldsOf(res: Response): Promise<string[]> {
  expect(res.status).toBe(400);
  return fieldsNamed(res);
}

const validPreferences = {
  emailNotifications: false,
  smsNotifications: true,
  pushNotifications: false,
  newsletterSubscribed: true,
  marketingEmails: true,
  language: 'pt-BR',
  currency: 'EUR',
  timezone: 'Europe/Lisbon',
};

/** The auth user's row, read directly (RLS-scoped to the user's tenant). */
async function authRow(user: TestUser) {
  const stores = testStores();
  try {
    return await inTenantTx(stores.pg('auth').db, user.tenantId, async (tx) => {
      const { rows } = await tx.execute<{ first_name: string | null; last_name: string | null }>(
        sql`select first_name, last_name from auth.users where id = ${user.id}`,
      );
      return rows[0];
    });
  } finally {
    await stores.close();
  }
}

describe('users/me/profile and preferences: refused', () => {
  it('without credentials: 401 on every route, before looking at the body', async () => {
    for (const [method, path] of [
      ['GET', PROFILE],
      ['PATCH', PROFILE],
      ['GET', PREFERENCES],
      ['PUT', PREFERENCES],
    ] as const) {
      const res = await call(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : JSON.stringify({ gender: 'nope' }),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect((await problemOf(res)).status).toBe(401);
    }
    const forged = await call(PROFILE, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(forged.status).toBe(401);
  });

  it('PATCH with wrong types and unknown fields: 400 naming each field', async () => {
    const user = await newUser();
    const res = await as(user, 'PATCH', PROFILE, { firstName: 7, phone: true, bio: ['x'], nickname: 'zed' });
    const problem = await problemOf(res.clone());
    expect(await fieldsOf(res)).toEqual(expect.arrayContaining(['body.firstName', 'body.phone', 'body.bio', 'body']));
    expect(problem.errors?.find((e) => e.field === 'body')?.message).toContain('nickname');
  });

  it('PATCH of the email: 400 naming body.email (auth owns it)', async () => {
    const user = await newUser();
    const res = await as(user, 'PATCH', PROFILE, { email: 'other@example.com' });
    expect(await fieldsOf(res)).toEqual(['body.email']);
  });

  it('PATCH with an empty body: 400', async () => {
    const user = await newUser();
    expect((await as(user, 'PATCH', PROFILE, {})).status).toBe(400);
  });

  it('bad gender, date of birth, phone, avatar URL and lengths: 400 naming the field, nothing written', async () => {
    const user = await newUser();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ gender: 'male' }, 'body.gender'],
      [{ gender: 'UNKNOWN' }, 'body.gender'],
      [{ dateOfBirth: '1990-02-30' }, 'body.dateOfBirth'],
      [{ dateOfBirth: '17/05/1990' }, 'body.dateOfBirth'],
      [{ dateOfBirth: '1899-12-31' }, 'body.dateOfBirth'],
      [{ dateOfBirth: tomorrow }, 'body.dateOfBirth'],
      [{ phone: 'call me' }, 'body.phone'],
      [{ phone: '+1 415 555 0123 4567 89' }, 'body.phone'],
      [{ avatarUrl: 'http://cdn.example.com/a.png' }, 'body.avatarUrl'],
      [{ avatarUrl: 'not a url' }, 'body.avatarUrl'],
      [{ avatarUrl: `https://cdn.example.com/${'a'.repeat(500)}` }, 'body.avatarUrl'],
      [{ bio: 'x'.repeat(2001) }, 'body.bio'],
      [{ firstName: 'x'.repeat(101) }, 'body.firstName'],
      [{ lastName: '   ' }, 'body.lastName'],
    ];
    for (const [body, field] of cases) {
      const res = await as(user, 'PATCH', PROFILE, { bio: 'should not be written', ...body });
      expect(await fieldsOf(res), JSON.stringify(body)).toEqual([field]);
    }
    const profile = await jsonOf(await me(user).profile.$get(), 200);
    expect(profile).toMatchObject({ bio: null, gender: null, dateOfBirth: null, phone: null, avatarUrl: null });
  });

  it('PUT preferences with missing fields, bad timezone, currency or language: 400 naming the field', async () => {
    const user = await newUser();
    const missing = await fieldsOf(await as(user, 'PUT', PREFERENCES, { language: 'en' }));
    expect(missing).toEqual(
      expect.arrayContaining([
        'body.emailNotifications',
        'body.smsNotifications',
        'body.pushNotifications',
        'body.newsletterSubscribed',
        'body.marketingEmails',
        'body.currency',
        'body.timezone',
      ]),
    );
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ timezone: 'Mars/Olympus_Mons' }, 'body.timezone'],
      [{ timezone: '+05:00' }, 'body.timezone'],
      [{ timezone: 'x'.repeat(51) }, 'body.timezone'],
      [{ currency: 'ABC' }, 'body.currency'],
      [{ currency: 'DOLLAR' }, 'body.currency'],
      [{ language: 'english' }, 'body.language'],
      [{ language: 'en_US' }, 'body.language'],
      [{ language: 'en-US-x-private-tag' }, 'body.language'],
      [{ emailNotifications: 'yes' }, 'body.emailNotifications'],
      [{ theme: 'dark' }, 'body'],
    ];
    for (const [body, field] of cases) {
      const res = await as(user, 'PUT', PREFERENCES, { ...validPreferences, ...body });
      expect(await fieldsOf(res), JSON.stringify(body)).toEqual([field]);
    }
    const current = await jsonOf(await me(user).preferences.$get(), 200);
    expect(current).toMatchObject({ language: 'en', currency: 'USD', timezone: 'UTC' });
  });
});

describe('users/me/profile', () => {
  it('exists right after registration, with the registered email and names', async () => {
    const user = await newUser({ firstName: 'Ada', lastName: 'Lovelace' });
    const profile = await jsonOf(await me(user).profile.$get(), 200);
    expect(profile).toMatchObject({
      userId: user.id,
      email: user.email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: null,
      dateOfBirth: null,
      gender: null,
      avatarUrl: null,
      bio: null,
    });
    expect(profile.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(String(profile.createdAt)).toISOString()).toBe(profile.createdAt);
    expect(profile).not.toHaveProperty('tenantId');
    expect(profile).not.toHaveProperty('deletedAt');
  });

  it('PATCH changes the given fields only, normalises the phone, and GET shows the same', async () => {
    const user = await newUser({ firstName: 'Grace', lastName: 'Hopper' });
    const patch = {
      phone: '+1 (415) 555-0123',
      dateOfBirth: '1906-12-09',
      gender: 'FEMALE' as const,
      avatarUrl: 'https://cdn.example.com/avatars/grace.png',
      bio: 'Wrote the first compiler.',
    };
    const updated = await jsonOf(await me(user).profile.$patch({ json: patch }), 200);
    expect(updated).toMatchObject({
      ...patch,
      phone: '+14155550123',
      firstName: 'Grace',
      lastName: 'Hopper',
      email: user.email,
    });
    expect(await jsonOf(await me(user).profile.$get(), 200)).toEqual(updated);

    const cleared = await jsonOf(await me(user).profile.$patch({ json: { bio: null, gender: null } }), 200);
    expect(cleared).toMatchObject({ bio: null, gender: null, phone: '+14155550123', dateOfBirth: '1906-12-09' });
  });

  it('PATCH of names updates the auth user too: GET /auth/me shows them', async () => {
    const user = await newUser({ firstName: 'Old', lastName: 'Name' });
    const res = await me(user).profile.$patch({ json: { firstName: '  Katherine ', lastName: 'Johnson' } });
    expect(await jsonOf(res, 200)).toMatchObject({ firstName: 'Katherine', lastName: 'Johnson' });
    const self = await jsonOf(await apiAs(user).auth.me.$get(), 200);
    expect(self).toMatchObject({ firstName: 'Katherine', lastName: 'Johnson' });

    expect((await me(user).profile.$patch({ json: { lastName: null } })).status).toBe(200);
    expect(await authRow(user)).toEqual({ first_name: 'Katherine', last_name: null });
  });

  it('a missing profile is rebuilt from the auth user on GET, with default preferences', async () => {
    const user = await newUser({ firstName: 'Lost', lastName: 'Profile' });
    expect((await me(user).preferences.$put({ json: validPreferences })).status).toBe(200);
    const stores = testStores();
    try {
      const ctx = systemContext(env, stores, createLogger('warn'), user.tenantId);
      await deleteProfile(ctx, { tenantId: user.tenantId, userId: user.id });
    } finally {
      await stores.close();
    }
    expect(await jsonOf(await me(user).profile.$get(), 200)).toMatchObject({
      userId: user.id,
      email: user.email,
      firstName: 'Lost',
      lastName: 'Profile',
    });
    expect(await jsonOf(await me(user).preferences.$get(), 200)).toMatchObject({
      language: 'en',
      currency: 'USD',
      timezone: 'UTC',
    });
  });

  it('a user sees only their own profile, in their own tenant', async () => {
    const tenant = await createTenant();
    const [a, b] = await Promise.all([
      registerUser(tenant, { firstName: 'Alice' }),
      registerUser(tenant, { firstName: 'Bob' }),
    ]);
    expect(await jsonOf(await me(a).profile.$get(), 200)).toMatchObject({ userId: a.id, firstName: 'Alice' });
    expect(await jsonOf(await me(b).profile.$get(), 200)).toMatchObject({ userId: b.id, firstName: 'Bob' });
  });
});

describe('users/me/preferences', () => {
  it("starts with the seed's defaults", async () => {
    const user = await newUser();
    const prefs = await jsonOf(await me(user).preferences.$get(), 200);
    expect(prefs).toMatchObject({
      emailNotifications: true,
      smsNotifications: false,
      pushNotifications: true,
      newsletterSubscribed: false,
      marketingEmails: false,
      language: 'en',
      currency: 'USD',
      timezone: 'UTC',
    });
    expect(new Date(String(prefs.updatedAt)).toISOString()).toBe(prefs.updatedAt);
  });

  it('PUT replaces every field; codes are stored in canonical case', async () => {
    const user = await newUser();
    const res = await me(user).preferences.$put({
      json: { ...validPreferences, language: 'pt-br', currency: 'eur', timezone: 'europe/lisbon' },
    });
    const { updatedAt: _u, ...put } = await jsonOf(res, 200);
    expect(put).toEqual(validPreferences);
    const { updatedAt: _g, ...got } = await jsonOf(await me(user).preferences.$get(), 200);
    expect(got).toEqual(validPreferences);

    const utc = await me(user).preferences.$put({
      json: { ...validPreferences, language: 'zh-Hant-TW', currency: 'JPY', timezone: 'UTC' },
    });
    expect(await jsonOf(utc, 200)).toMatchObject({ language: 'zh-Hant-TW', currency: 'JPY', timezone: 'UTC' });
  });
});

/** The parts of the OpenAPI document the test below reads. */
const OpenApiDoc = z.looseObject({
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.looseObject({ security: z.array(z.unknown()).optional(), tags: z.array(z.string()).optional() }),
    ),
  ),
  components: z.looseObject({
    schemas: z.record(
      z.string(),
      z.looseObject({
        properties: z.record(z.string(), z.looseObject({ readOnly: z.boolean().optional() })).optional(),
      }),
    ),
  }),
});

describe('users routes in the OpenAPI document', () => {
  it('lists every users route with bearer security and the request schemas', async () => {
    // Raw: the document is served outside /api/v1, where the typed client does not reach.
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = OpenApiDoc.parse(await res.json());
    const expected: Record<string, string[]> = {
      '/api/v1/users/me/profile': ['get', 'patch'],
      '/api/v1/users/me/addresses': ['get', 'post'],
      '/api/v1/users/me/addresses/{id}': ['get', 'patch', 'delete'],
      '/api/v1/users/me/addresses/{id}/default': ['post'],
      '/api/v1/users/me/preferences': ['get', 'put'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(Object.keys(doc.paths[path] ?? {}).sort(), path).toEqual([...methods].sort());
      for (const m of methods)
        expect(doc.paths[path]![m]).toMatchObject({ tags: ['Users'], security: [{ bearerAuth: [] }, { apiKey: [] }] });
    }
    expect(doc.components.schemas.ProfilePatchRequest?.properties?.email?.readOnly).toBe(true);
    for (const name of [
      'Profile',
      'Address',
      'AddressCreateRequest',
      'AddressPatchRequest',
      'Preferences',
      'PreferencesRequest',
    ]) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
  });
});
