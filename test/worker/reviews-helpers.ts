import { expect } from 'vitest';

import type { DataApiClient } from '../../src/db/mongo/client.ts';
import { as, type TestUser } from './identity-helpers.ts';

/** Test fixtures for reviews. */
export const API = '/api/v1';
export const reviewsOf = (productId: string) => `${API}/products/${productId}/reviews`;
export const review = (id: string, action = '') => `${API}/reviews/${id}${action ? `/${action}` : ''}`;

/** Inserts an ACTIVE, published product directly (the product API is another service); returns its id. */
export async function insertProduct(
  mongo: DataApiClient,
  tenantId: string,
  overrides: Record<string, unknown> = {},
): Promise<string> {
  const { insertedId } = await mongo.collection('products').insertOne({
    tenantId,
    name: 'Wireless Headphones',
    slug: `p-${crypto.randomUUID()}`,
    sku: `SKU-${crypto.randomUUID().slice(0, 8)}`,
    price: 299.99,
    status: 'ACTIVE',
    published: true,
    averageRating: 0,
    reviewCount: 0,
    version: 1,
    createdAt: new Date(),
    ...overrides,
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
