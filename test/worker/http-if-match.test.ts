/**
 * If-Match answers the same on every route family that takes it (src/lib/etag.ts):
 * unreadable 400 naming `header.if-match`, missing 428 where required, stale 412 with
 * the current ETag, a weak tag accepted.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { createProduct, fields, PRODUCTS, send, shop } from './catalog-helpers.ts';
import { checkoutShop, lines, ORDERS, placeAndSettle } from './checkout-helpers.ts';
import { problemOf } from './helpers.ts';
import { postReview, review } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

/** A fresh resource at `version`, and a change of it sent with the given If-Match (none when undefined). */
interface Target {
  version: number;
  change: (ifMatch?: string) => Promise<Response>;
}

const families: { name: string; required: boolean; make: () => Promise<Target> }[] = [
  {
    name: 'PATCH /products/{id}',
    required: true,
    make: async () => {
      const { manager } = await shop();
      const product = await createProduct(manager);
      let n = 0;
      return {
        version: product.version,
        change: (ifMatch) =>
          send(manager, 'PATCH', `${PRODUCTS}/${product.id}`, {
            body: { name: `Name ${++n}` },
            headers: ifMatch ? { 'if-match': ifMatch } : {},
          }),
      };
    },
  },
  {
    name: 'PATCH /reviews/{id}',
    required: false,
    make: async () => {
      const { manager, user } = await shop();
      const product = await createProduct(manager);
      const created = await postReview(user, product.id);
      let rating = 1;
      return {
        version: created.version,
        change: (ifMatch) =>
          send(user, 'PATCH', review(created.id), {
            body: { rating: (rating = (rating % 5) + 1) },
            headers: ifMatch ? { 'if-match': ifMatch } : {},
          }),
      };
    },
  },
  {
    name: 'PATCH /orders/{id}/status',
    required: true,
    make: async () => {
      const s = await checkoutShop();
      const { order } = await placeAndSettle(s.user, { lines: lines(s.product) });
      const targets = ['PROCESSING', 'SHIPPED', 'DELIVERED'];
      let step = 0;
      return {
        version: order.version,
        change: async (ifMatch) => {
          const res = await send(s.manager, 'PATCH', `${ORDERS}/${order.id}/status`, {
            body: { status: targets[step] },
            headers: ifMatch ? { 'if-match': ifMatch } : {},
          });
          if (res.status === 200) step++;
          return res;
        },
      };
    },
  },
];

describe.each(families)('If-Match on $name', ({ required, make }) => {
  it('unreadable: 400 naming header.if-match; missing: 428 where required; weak accepted; stale: 412 with the current ETag', async () => {
    const t = await make();
    for (const bad of ['one', '3', '"x"', 'W/3']) {
      const res = await t.change(bad);
      expect(res.status, bad).toBe(400);
      expect(await fields(res)).toContain('header.if-match');
    }
    if (required) {
      const missing = await t.change();
      expect(missing.status).toBe(428);
      expect((await problemOf(missing)).type).toMatch(/precondition-required$/);
    }
    const weak = await t.change(`W/"${t.version}"`);
    expect(weak.status, await weak.clone().text()).toBe(200);
    const current = weak.headers.get('etag');
    expect(current).toBe(`"${t.version + 1}"`);
    const stale = await t.change(`"${t.version}"`);
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBe(current);
    // The current version travels in an extension member, beside the RFC 9457 ones.
    expect(z.object({ currentVersion: z.number() }).parse(await stale.clone().json()).currentVersion).toBe(
      t.version + 1,
    );
    expect(await problemOf(stale)).toMatchObject({ status: 412 });
    const any = await t.change('*');
    expect(any.status, await any.clone().text()).toBe(200);
  });
});

describe('If-None-Match on GET /products/{id}', () => {
  it('weak comparison, as the edge cache does: W/"v", a list, * give 304; another version 200', async () => {
    const { manager } = await shop();
    const product = await createProduct(manager);
    const read = (ifNoneMatch: string) =>
      send(manager, 'GET', `${PRODUCTS}/${product.id}`, { headers: { 'if-none-match': ifNoneMatch } });
    for (const tag of [`"${product.version}"`, `W/"${product.version}"`, `"99", "${product.version}"`, '*']) {
      expect((await read(tag)).status, tag).toBe(304);
    }
    expect((await read('"99"')).status).toBe(200);
  });
});
