/**
 * Order input that must be refused before anything is written (issue 15, items 8-10):
 * a product's quantity is capped after its lines are merged, a total that DECIMAL(10,2)
 * cannot hold is a 422 (never a 500), and a card number given as the payment token is
 * refused up front and never stored or echoed.
 */
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

import { sagaExecutions } from '../../src/db/pg/schema/orders.ts';
import { payments } from '../../src/db/pg/schema/payments.ts';
import { inTenantTx } from '../../src/db/pg/tenant-tx.ts';
import { isCardNumberShaped } from '../../src/lib/card-number.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { Problem } from '../../src/lib/problem.ts';
import { MAX_QUANTITY } from '../../src/services/orders/index.ts';
import { mergeLines } from '../../src/services/orders/place-order.ts';
import { MAX_AMOUNT_MINOR, priceOrder, pricingRules } from '../../src/services/orders/pricing.ts';
import { chargeOrder } from '../../src/services/payments/index.ts';
import { redactPaymentSecrets } from '../../src/services/payments/providers/validation.ts';
import {
  apiAs,
  checkoutShop,
  createProduct,
  jsonOf,
  lines,
  placeOrder as order,
  placeAndSettle,
  problemOf,
  productStock,
  sagaSettled,
  type TestUser,
} from '../fixtures/index.ts';
import { send } from './catalog-helpers.ts';
import { ORDERS } from './checkout-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
afterAll(() => stores.close());

async function ordersOf(user: TestUser) {
  return (await jsonOf(await apiAs(user).orders.$get({ query: {} }), 200)).data;
}

describe('item 8: the quantity cap holds per product, after merging repeated lines', () => {
  it('[{p,100},{p,100}] and a differently cased repeat are 400 naming the line that crossed the cap', async () => {
    const s = await checkoutShop(500);
    const p = s.product.id;
    const cases: Array<[Array<{ productId: string; quantity: number }>, string]> = [
      [
        [
          { productId: p, quantity: 100 },
          { productId: p, quantity: 100 },
        ],
        'body.lines.1.quantity',
      ],
      [
        [
          { productId: p, quantity: 60 },
          { productId: p.toUpperCase(), quantity: 41 },
        ],
        'body.lines.1.quantity',
      ],
      [
        [{ productId: p, quantity: 1 }, ...Array.from({ length: 4 }, () => ({ productId: p, quantity: 30 }))],
        'body.lines.4.quantity',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await order(s.user, { lines: body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      const problem = await problemOf(res);
      expect(problem.errors?.map((e) => e.field)).toEqual([field]);
      expect(problem.errors?.[0]?.message).toMatch(/at most 100/);
    }
    expect(await ordersOf(s.user)).toHaveLength(0);
    expect(await productStock(s.manager, p)).toBe(500);

    // Exactly the cap, over several lines, is one line of 100.
    const placed = await placeAndSettle(s.user, {
      lines: [
        { productId: p, quantity: 50 },
        { productId: p, quantity: 50 },
      ],
    });
    expect(placed.order.items).toMatchObject([{ quantity: MAX_QUANTITY }]);
  });

  it('the service holds the cap for every caller, not only the HTTP schema', () => {
    const p = '6b06eed21006e491d07feb71';
    expect(() =>
      mergeLines([
        { productId: p, quantity: 100 },
        { productId: p, quantity: 100 },
      ]),
    ).toThrow(Problem);
    expect(
      mergeLines([
        { productId: p, quantity: 99 },
        { productId: p.toUpperCase(), quantity: 1 },
      ]),
    ).toEqual([{ productId: p, quantity: 100, index: 0 }]);
  });
});

describe('item 9: a total that DECIMAL(10,2) cannot hold is a 422, before any write', () => {
  it('answers 422 order-total-too-large naming body.lines (not 500) and writes nothing', async () => {
    const s = await checkoutShop();
    const dear = await createProduct(s.manager, { price: '99999999.99', stockQuantity: 5 });
    const half = await createProduct(s.manager, { price: '50000000.00', stockQuantity: 5 });
    for (const body of [
      lines(dear, 1),
      lines(half, 2),
      [...lines(half, 1), ...lines(s.product, 1), ...lines(dear, 1)],
    ]) {
      const res = await order(s.user, { lines: body });
      expect(res.status, JSON.stringify(body)).toBe(422);
      const problem = await problemOf(res);
      expect(problem.type).toMatch(/order-total-too-large$/);
      expect(problem.errors?.[0]?.field).toBe('body.lines');
    }
    expect(await ordersOf(s.user)).toHaveLength(0);
    expect(await productStock(s.manager, dear.id)).toBe(5);
    // The other money inputs stop at what DECIMAL(10,2) holds already at the schema.
    const tooDear = await send(s.manager, 'POST', '/api/v1/products', {
      body: { name: 'Too dear', price: '100000000.00', stockQuantity: 1 },
    });
    expect(tooDear.status).toBe(400);
    expect((await problemOf(tooDear)).errors?.[0]?.field).toBe('body.price');
  });

  it('pricing refuses at the edge of DECIMAL(10,2), before the tax multiplies an unsafe integer', () => {
    const none = { taxRateBps: 0, shippingFlatMinor: 0, freeShippingFromMinor: null };
    expect(priceOrder([{ unitPriceMinor: MAX_AMOUNT_MINOR, quantity: 1 }], none).totalMinor).toBe(MAX_AMOUNT_MINOR);
    const refused = [
      () => priceOrder([{ unitPriceMinor: MAX_AMOUNT_MINOR, quantity: 1 }], { ...none, shippingFlatMinor: 1 }),
      () => priceOrder([{ unitPriceMinor: MAX_AMOUNT_MINOR, quantity: 1 }], { ...none, taxRateBps: 10 }),
      () => priceOrder([{ unitPriceMinor: MAX_AMOUNT_MINOR, quantity: 100 }], { ...none, taxRateBps: 10_000 }),
      () => priceOrder([{ unitPriceMinor: Number.MAX_SAFE_INTEGER, quantity: 100 }], none),
    ];
    for (const price of refused) {
      let thrown: unknown;
      try {
        price();
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(Problem);
      expect((thrown as Problem).status).toBe(422);
    }
  });

  it('a shipping amount that is not money is a configuration error naming the var', () => {
    expect(() => pricingRules({ ...env, ORDER_SHIPPING_FLAT: '5,99' })).toThrow(/ORDER_SHIPPING_FLAT/);
    expect(() => pricingRules({ ...env, ORDER_FREE_SHIPPING_FROM: '1e9' })).toThrow(/ORDER_FREE_SHIPPING_FROM/);
  });
});

describe('item 10: card numbers are refused as payment tokens; tokens never reach a record or a message', () => {
  const PANS = [
    '4242424242424242',
    '4242 4242 4242 4242',
    '4242-4242-4242-4242',
    '378282246310005',
    '6011111111111117',
    '5555555555554444',
  ];

  it('a PAN-shaped token is 400 naming body.paymentMethod.token, without echoing it, and nothing is written', async () => {
    const s = await checkoutShop();
    for (const token of PANS) {
      const res = await order(s.user, { lines: lines(s.product), paymentMethod: { type: 'card', token } });
      expect(res.status, token).toBe(400);
      const text = await res.text();
      expect(text).not.toContain(token.replace(/[ -]/g, '').slice(-8));
      const problem = JSON.parse(text) as { errors: { field: string; message: string }[] };
      expect(problem.errors).toEqual([
        { field: 'body.paymentMethod.token', message: expect.stringMatching(/card number/) },
      ]);
    }
    expect(await ordersOf(s.user)).toHaveLength(0);
    expect(await productStock(s.manager, s.product.id)).toBe(5);
  });

  it('what counts as a card number: 12-19 digits, grouped or not, passing Luhn', () => {
    for (const pan of PANS) expect(isCardNumberShaped(pan), pan).toBe(true);
    for (const other of [
      '4242424242424241',
      'pm_test_success',
      '42424242424',
      '42424242424242424242',
      '4242_4242_4242_4242',
    ])
      expect(isCardNumberShaped(other), other).toBe(false);
    expect(redactPaymentSecrets("No such PaymentMethod: 'pm_abc'; card 4242 4242 4242 4241", 'pm_abc')).toBe(
      "No such PaymentMethod: '[redacted]'; card [redacted]",
    );
  });

  it("a token the provider does not know is not echoed into the payment's or the saga's records", async () => {
    const s = await checkoutShop();
    const secretish = `tok_${crypto.randomUUID().replace(/-/g, '')}`;
    for (const token of [secretish, '4242424242424241']) {
      const placed = await placeAndSettle(s.user, {
        lines: lines(s.product),
        paymentMethod: { type: 'card', token },
      });
      const saga = await sagaSettled(placed.order.id, 60_000);
      expect(saga.status).toBe('COMPENSATED');
      expect(saga.errorMessage).toMatch(/unknown test payment method/);
      const [payment] = await inTenantTx(stores.pg('payments').db, s.tenantId, (tx) =>
        tx.select().from(payments).where(eq(payments.orderId, placed.order.id)),
      );
      const [mirror] = await inTenantTx(stores.pg('orders').db, s.tenantId, (tx) =>
        tx.select().from(sagaExecutions).where(eq(sagaExecutions.aggregateId, placed.order.id)),
      );
      const shown = await (await send(s.admin, 'GET', `${ORDERS}/${placed.order.id}/saga`)).text();
      const paymentShown = await (await send(s.user, 'GET', `${ORDERS}/${placed.order.id}/payment`)).text();
      for (const [where, text] of Object.entries({
        payment: JSON.stringify(payment),
        mirror: JSON.stringify(mirror),
        // The object keeps the provider token in its own state for the payment step's retries; its
        // message, its log and everything shown or mirrored never hold it.
        sagaError: String(saga.errorMessage),
        sagaLog: JSON.stringify(await env.ORDER_SAGA.get(env.ORDER_SAGA.idFromName(placed.order.id)).history()),
        sagaRoute: shown,
        paymentRoute: paymentShown,
      })) {
        expect(text, where).not.toContain(token);
      }
      expect(payment!.errorMessage).toContain('[redacted]');
    }
  }, 120_000);

  it('the payment service refuses a PAN token before any provider call (a saga started before the schema refused it)', async () => {
    const s = await checkoutShop();
    const svc = {
      env,
      stores,
      tenantId: s.tenantId,
      principal: null,
      logger: createLogger('error'),
    };
    const orderId = crypto.randomUUID();
    const charge = chargeOrder(svc, {
      orderId,
      userId: s.user.id,
      amountMinor: 1000,
      currency: 'USD',
      paymentMethod: 'card',
      paymentToken: '4242424242424242',
      attempt: 1,
    });
    // Payments' own problem type, which the saga's payment step maps to a permanent failure.
    await expect(charge).rejects.toMatchObject({ type: 'https://errors.ecommerce-edge.dev/payment-declined' });
    const [row] = await inTenantTx(stores.pg('payments').db, s.tenantId, (tx) =>
      tx.select().from(payments).where(eq(payments.orderId, orderId)),
    );
    expect(row).toMatchObject({ status: 'FAILED', errorCode: 'card_number_refused', gatewayTransactionId: null });
    expect(JSON.stringify(row)).not.toContain('4242424242424242');
  });
});
