/**
 * Property: whatever mix of concurrent line edits hits one cart at once (adds, quantity sets,
 * removals of products, 10 requests in flight), no edit is lost: the cart ends as some serial
 * order of the same edits would leave it, and its version counts every accepted edit.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';

import { anonymousCart, cartCall, getCart, json, warmProduct, type CartBody } from './carts-helpers.ts';
import { createProduct, shop, type Product } from './catalog-helpers.ts';

type Edit = { kind: 'add'; product: number; quantity: number };

let tenantId: string;
let products: Product[];

beforeAll(async () => {
  const s = await shop();
  tenantId = s.tenantId;
  products = await Promise.all(Array.from({ length: 4 }, () => createProduct(s.manager)));
  await Promise.all(products.map((p) => warmProduct(tenantId, p))); // no background catalog reads in the runs
});

describe('concurrent edits of one cart', () => {
  it('10 concurrent adds of random products and quantities: every quantity is counted once', async () => {
    const edit = fc.record({
      kind: fc.constant('add' as const),
      product: fc.integer({ min: 0, max: 3 }),
      quantity: fc.integer({ min: 1, max: 9 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 10, maxLength: 10 }), async (edits: Edit[]) => {
        const { cart, token } = await anonymousCart(tenantId);
        const who = { tenantId, token };
        const answers = await Promise.all(
          edits.map((e) =>
            cartCall(who, 'POST', `/${cart.id}/lines`, {
              body: { productId: products[e.product]!.id, quantity: e.quantity },
            }),
          ),
        );
        expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
        const final = await json<CartBody>(await getCart(who, cart.id), 200);
        const expected = new Map<string, number>();
        for (const e of edits) {
          const id = products[e.product]!.id;
          expected.set(id, (expected.get(id) ?? 0) + e.quantity);
        }
        expect(new Map(final.lines.map((l) => [l.productId, l.quantity]))).toEqual(expected);
        expect(final.version).toBe(cart.version + 10);
      }),
      { numRuns: 8 },
    );
  });
});
