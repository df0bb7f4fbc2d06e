/** The generated TypeScript client (clients/ts) against the real Worker: requests and responses are typed by the OpenAPI document. */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { createApiClient } from '../../clients/ts/index.ts';
import { createTenant, grantRole, PASSWORD } from './identity-helpers.ts';

const api = (headers: Record<string, string> = {}) =>
  createApiClient({ baseUrl: 'http://localhost', headers, fetch: (request) => exports.default.fetch(request) });

describe('typed client', () => {
  it('registers, signs in, publishes a product and lists it anonymously', async () => {
    const tenantId = await createTenant();
    const handle = `c${crypto.randomUUID().replace(/-/g, '').slice(0, 10)}`;
    const anonymous = api({ 'x-tenant-id': tenantId });

    const registered = await anonymous.POST('/api/v1/auth/register', {
      body: { email: `${handle}@example.com`, username: handle, password: PASSWORD },
    });
    expect(registered.response.status).toBe(201);
    const userId = registered.data!.user.id;
    await grantRole(
      {
        id: userId,
        tenantId,
        email: `${handle}@example.com`,
        username: handle,
        password: PASSWORD,
        accessToken: '',
        refreshToken: '',
      },
      'MANAGER',
    );

    const login = await anonymous.POST('/api/v1/auth/login', { body: { login: handle, password: PASSWORD } });
    expect(login.response.status).toBe(200);
    const tokens = login.data && 'tokens' in login.data ? login.data.tokens : undefined;
    expect(tokens?.accessToken).toBeTruthy();

    const manager = api({ authorization: `Bearer ${tokens!.accessToken}` });
    const created = await manager.POST('/api/v1/products', {
      body: { name: 'Typed Client Kettle', price: '24.50', stockQuantity: 3, status: 'ACTIVE', published: true },
    });
    expect(created.response.status).toBe(201);
    expect(created.data?.price).toBe('24.50');

    const listed = await anonymous.GET('/api/v1/products', { params: { query: { q: 'kettle', limit: 5 } } });
    expect(listed.response.status).toBe(200);
    expect(listed.data?.data.map((p) => p.id)).toEqual([created.data!.id]);

    const invalid = await anonymous.GET('/api/v1/products', { params: { query: { minPrice: 'abc' } } });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error?.errors?.[0]?.field).toBe('query.minPrice');
  });
});
