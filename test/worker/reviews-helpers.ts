import { env } from 'cloudflare:workers';
import { expect } from 'vitest';

import type { DataApiClient } from '../../src/db/mongo/client.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createProduct, type CreateProductInput } from '../../src/services/catalog/index.ts';
import { systemContext } from '../../src/services/context.ts';
import { as, type TestUser } from './identity-helpers.ts';
import { testStores } from './stores.ts';

/** Test fixtures for reviews. */
export const API = '/api/v1';
export const reviewsOf = (productId: string) => `${API}/products/${productId}/reviews`;
export const review = (id: string, action = '') => `${API}/reviews/${id}${action ? `/${action}` : ''}`;

/**
 * An ACTIVE, published product made by the catalog service itself (its event, projection and
 * integer minor-unit price, as `POST /products` writes them; no staff user needed); returns its id.
 */
export async function insertProduct(
  mongo: DataApiClient,
  tenantId: string,
  overrides: Partial<CreateProductInput> = {},
): Promise<string> {
  const stores = { ...testStores(), mongo: () => mongo };
  const { record } = await createProduct(systemContext(env, stores, createLogger('error'), tenantId), {
    product: {
      name: 'Wireless Headphones',
      sku: `SKU-${crypto.randomUUID().slice(0, 8)}`,
      priceMinor: 29999,
      currency: 'USD',
      stockQuantity: 10,
      status: 'ACTIVE',
      published: true,
      ...overrides,
    },
  });
  return record.id;
}

/**
 * A product document in a state no command produces (deleted, or a bare idempotency reservation
 * at version 0), written straight to the collection to test how readers treat it.
 */
export async function insertRawProduct(mongo: DataApiClient, tenantId: string, fields: Record<string, unknown>) {
  const { insertedId } = await mongo.collection('products').insertOne({
    tenantId,
    name: 'Raw product',
    slug: `p-${crypto.randomUUID()}`,
    priceMinor: 1000,
    status: 'ACTIVE',
    published: true,
    version: 1,
    createdAt: new Date(),
    ...fields,
  });
  return insertedId.toHexString();
}

export interface ReviewBody {
  id: string;
  status: string;
  version: number;
  [k: string]: unknown;
}

/** `user` reviews the product (201 expected). */
export async function postReview(
  user: TestUser,
  productId: string,
  body: Record<string, unknown> = { rating: 5, title: 'Great', comment: 'Loved it' },
): Promise<ReviewBody> {
  const res = await as(user, 'POST', reviewsOf(productId), body);
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as ReviewBody;
}

/** A moderator approves or rejects a review (200 expected). */
export async function moderate(
  moderator: TestUser,
  id: string,
  decision: 'APPROVE' | 'REJECT',
  note?: string,
): Promise<ReviewBody> {
  const res = await as(moderator, 'POST', review(id, 'moderate'), { decision, ...(note ? { note } : {}) });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ReviewBody;
}
