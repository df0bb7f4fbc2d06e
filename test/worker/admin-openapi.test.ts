import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { call } from '../fixtures/index.ts';

/** The parts of the OpenAPI document this test reads. */
const Doc = z.looseObject({
  paths: z.record(
    z.string(),
    z.record(
      z.string(),
      z.looseObject({
        security: z.array(z.unknown()).optional(),
        parameters: z.array(z.looseObject({ name: z.string(), in: z.string() })).optional(),
      }),
    ),
  ),
});

describe('admin API in the OpenAPI document', () => {
  it('documents every admin route with bearer security', async () => {
    // Raw: the document is served outside /api/v1, where the typed client does not reach.
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = Doc.parse(await res.json());
    const admin = Object.keys(doc.paths)
      .filter((p) => p.startsWith('/api/v1/admin/'))
      .sort();
    expect(admin).toEqual([
      '/api/v1/admin/notification-templates',
      '/api/v1/admin/notification-templates/preview',
      '/api/v1/admin/notification-templates/{type}/{channel}/{locale}',
      '/api/v1/admin/permissions',
      '/api/v1/admin/roles',
      '/api/v1/admin/roles/{name}/permissions',
      '/api/v1/admin/tenants',
      '/api/v1/admin/tenants/{id}',
      '/api/v1/admin/tenants/{tenantId}/audit',
      '/api/v1/admin/tenants/{tenantId}/invitations',
      '/api/v1/admin/tenants/{tenantId}/users',
      '/api/v1/admin/tenants/{tenantId}/users/{id}',
      '/api/v1/admin/tenants/{tenantId}/users/{id}/activate',
      '/api/v1/admin/tenants/{tenantId}/users/{id}/lock',
      '/api/v1/admin/tenants/{tenantId}/users/{id}/roles',
      '/api/v1/admin/tenants/{tenantId}/users/{id}/suspend',
      '/api/v1/admin/tenants/{tenantId}/users/{id}/unlock',
      '/api/v1/admin/users',
      '/api/v1/admin/users/{id}',
      '/api/v1/admin/users/{id}/activate',
      '/api/v1/admin/users/{id}/lock',
      '/api/v1/admin/users/{id}/roles',
      '/api/v1/admin/users/{id}/suspend',
      '/api/v1/admin/users/{id}/unlock',
    ]);
    for (const path of admin) {
      for (const op of Object.values(doc.paths[path]!)) expect(op.security, path).toBeTruthy();
    }
    const listUsers = doc.paths['/api/v1/admin/users']!.get!;
    expect(listUsers.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'query:cursor',
      'query:limit',
      'query:q',
      'query:role',
      'query:status',
    ]);
  });
});
