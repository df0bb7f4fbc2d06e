/**
 * Typed client of the E-commerce Edge API for TypeScript users: openapi-fetch over the
 * types generated from the API's OpenAPI document (schema.d.ts, `npm run client:generate`).
 *
 *   const api = createApiClient({ baseUrl: 'http://localhost:8787', headers: { 'x-tenant-id': tenantId } });
 *   const { data, error } = await api.GET('/api/v1/products', { params: { query: { limit: 10 } } });
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.d.ts';

export type { components, paths };
export type Schemas = components['schemas'];

export function createApiClient(options: ClientOptions = {}) {
  return createClient<paths>(options);
}
export type ApiClient = ReturnType<typeof createApiClient>;
