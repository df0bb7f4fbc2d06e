import { call } from '../fixtures/api.ts';
import type { TestUser } from '../fixtures/factories.ts';

export { fieldsOf as fields } from '../fixtures/api.ts';
export { createProduct, shop, type Product } from '../fixtures/factories.ts';

/** Test fixtures for the catalog: every test gets its own tenant ("shop"). */
export const PRODUCTS = '/api/v1/products';
export const CATEGORIES = '/api/v1/categories';

/** A request as `user` (bearer token), or anonymous with `user` null; `body` is sent as JSON. */
export function send(
  user: TestUser | null,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...opts.headers };
  if (user) headers.authorization = `Bearer ${user.accessToken}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  return call(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
}
