/**
 * The app through Hono's typed client, `hc<AppType>`: paths, inputs and response
 * bodies are inferred from the route definitions themselves, so nothing here is a
 * hand-typed response shape. A route missing from AppType would not compile.
 */
import { describe, expect, it } from 'vitest';

import { api, createProduct, createTenant, PASSWORD, shop } from '../fixtures/index.ts';

describe('typed Hono client (AppType)', () => {
  it('reads the health report', async () => {
    const res = await api.health.$get();
    expect(res.status).toBe(200);
    if (res.status !== 200) return;
    const report = await res.json();
    expect(report.status).toBe('ok');
    expect(report.checks.postgres.status).toBe('up');
    expect(report.checks.mongo.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('registers, signs in and reads the signed-in user', async () => {
    const tenantId = await createTenant();
    const handle = `h${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;

    const registered = await api.auth.register.$post({
      header: { 'x-tenant-id': tenantId },
      json: { email: `${handle}@example.com`, username: handle, password: PASSWORD },
    });
    expect(registered.status).toBe(201);
    if (registered.status !== 201) return;
    const session = await registered.json();
    expect(session.user).toMatchObject({
      email: `${handle}@example.com`,
      status: 'ACTIVE',
      authProvider: 'LOCAL',
      tenantId,
    });
    expect(session.tokens.tokenType).toBe('Bearer');

    const signedIn = await api.auth.login.$post({
      header: { 'x-tenant-id': tenantId },
      json: { login: handle, password: PASSWORD },
    });
    expect(signedIn.status).toBe(200);
    if (signedIn.status !== 200) return;
    const login = await signedIn.json();
    if ('tfaRequired' in login) throw new Error('no 2FA was set up');
    expect(login.user.id).toBe(session.user.id);

    const me = await api.auth.me.$get({}, { headers: { authorization: `Bearer ${login.tokens.accessToken}` } });
    expect(me.status).toBe(200);
    if (me.status !== 200) return;
    const user = await me.json();
    expect(user.username).toBe(handle);
    expect(user.roles).toContain('USER');
  });

  it('reads a published product anonymously, with its ETag', async () => {
    const { tenantId, manager } = await shop();
    const created = await createProduct(manager, { name: 'Typed Hono Kettle', price: '31.25' });

    const res = await api.products[':idOrSlug'].$get({
      param: { idOrSlug: created.id },
      header: { 'x-tenant-id': tenantId },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    if (res.status !== 200) return;
    const product = await res.json();
    expect(product).toMatchObject({ id: created.id, name: 'Typed Hono Kettle', price: '31.25', status: 'ACTIVE' });
  });
});
