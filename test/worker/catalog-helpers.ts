import { call, problemOf } from './helpers.ts';
import { createTenant, grantRole, registerUser, type TestUser } from './identity-helpers.ts';

/** Test fixtures for the catalog: every test gets its own tenant ("shop"). */
export const PRODUCTS = '/api/v1/products';
export const CATEGORIES = '/api/v1/categories';

/** A product as the API returns it (the fields the catalog tests read). */
export interface Product {
  id: string;
  name: string;
  slug: string;
  price: string;
  compareAtPrice: string | null;
  currency: string;
  stockQuantity: number;
  status: string;
  published: boolean;
  version: number;
  category: { id: string; name: string; slug: string; path: string } | null;
  images: { url: string; alt: string | null; isPrimary: boolean }[];
  specifications: Record<string, unknown>;
  deletedAt: string | null;
  createdAt: string;
}

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

/** A fresh tenant with a MANAGER (read/write/delete products), an ADMIN and a plain USER. */
export async function shop() {
  const tenantId = await createTenant();
  const [manager, admin, user] = await Promise.all([
    registerUser(tenantId).then((u) => grantRole(u, 'MANAGER')),
    registerUser(tenantId).then((u) => grantRole(u, 'ADMIN')),
    registerUser(tenantId),
  ]);
  return { tenantId, manager, admin, user };
}

/** Creates an ACTIVE, published product (price 10.00, stock 5, unless `overrides` say otherwise). */
export async function createProduct(manager: TestUser, overrides: Record<string, unknown> = {}): Promise<Product> {
  const res = await send(manager, 'POST', PRODUCTS, {
    body: {
      name: `Product ${crypto.randomUUID().slice(0, 8)}`,
      price: '10.00',
      stockQuantity: 5,
      status: 'ACTIVE',
      published: true,
      ...overrides,
    },
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return (await res.json()) as Product;
}

/** The fields a validation problem names. */
export async function fields(res: Response): Promise<string[]> {
  return ((await problemOf(res)).errors ?? []).map((e) => e.field);
}
