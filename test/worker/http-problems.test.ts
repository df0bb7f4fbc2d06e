import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { Problem, problems, RESERVED_PROBLEM_MEMBERS, type ProblemExtensions } from '../../src/lib/problem.ts';
import { adminErrors } from '../../src/services/admin/errors.ts';
import { authErrors } from '../../src/services/auth/errors.ts';
import { catalogErrors } from '../../src/services/catalog/errors.ts';
import { notificationErrors } from '../../src/services/notifications/errors.ts';
import { orderErrors } from '../../src/services/orders/errors.ts';
import { paymentErrors } from '../../src/services/payments/errors.ts';
import { reviewErrors } from '../../src/services/reviews/errors.ts';
import { userErrors } from '../../src/services/users/errors.ts';
import { call, problemOf } from './helpers.ts';

describe('HTTP error contract (RFC 9457)', () => {
  it('answers an unknown route with 404 problem+json and the request id', async () => {
    const res = await call('/api/v1/no-such-thing', { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(404);
    const problem = await problemOf(res);
    expect(problem).toMatchObject({ status: 404, title: 'Not found', requestId: 'req-123' });
    expect(problem.detail).toContain('GET /api/v1/no-such-thing');
    expect(res.headers.get('x-request-id')).toBe('req-123');
  });

  it('answers malformed JSON with 400', async () => {
    const res = await call('/api/v1/health', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken": ',
    });
    // POST /health does not exist: the route check comes first, still a problem.
    expect(res.status).toBe(404);
    await problemOf(res);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    const problem = await problemOf(res);
    expect(problem.detail).toContain('text/plain');
  });

  it('refuses a body over the limit with 413 before reading it', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ blob: 'x'.repeat(300_000) }),
    });
    expect(res.status).toBe(413);
    expect((await problemOf(res)).title).toBe('Payload too large');
  });

  it('sets secure headers on every response', async () => {
    const res = await call('/api/v1/no-such-thing');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
  });

  it('serves the OpenAPI 3.1 document and the docs page', async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    const doc = z
      .looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) })
      .parse(await res.json());
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/health');
    const prefixed = await call('/api/v1/openapi.json');
    expect(prefixed.status).toBe(200);
    expect(await prefixed.json()).toEqual(doc);
    const docs = await call('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/docs/init.js');
  });
});

describe('problem extension members never overwrite RFC 9457 members', () => {
  it('a reserved member name is refused when the problem is made', () => {
    for (const name of RESERVED_PROBLEM_MEMBERS) {
      const extensions = { [name]: 'SHIPPED' } as unknown as ProblemExtensions;
      expect(() => new Problem(409, 'x', 'X', 'detail', { extensions }), name).toThrow(/would overwrite/);
    }
    expect(new Problem(409, 'x', 'X', 'd', { extensions: { orderStatus: 'SHIPPED' } }).toBody()).toMatchObject({
      status: 409,
      orderStatus: 'SHIPPED',
    });
  });

  it('every problem type of every service renders its own type, title and status', () => {
    const catalogs = {
      adminErrors,
      authErrors,
      catalogErrors,
      notificationErrors,
      orderErrors,
      paymentErrors,
      reviewErrors,
      userErrors,
      problems,
    } as unknown as Record<string, Record<string, (...args: unknown[]) => unknown>>;
    let checked = 0;
    for (const [catalog, factories] of Object.entries(catalogs)) {
      for (const [name, make] of Object.entries(factories)) {
        if (typeof make !== 'function') continue;
        // Arguments of every kind the factories take (status names, counts, field lists).
        let made: unknown;
        for (const args of [
          ['SHIPPED', 'PROCESSING', 'x'],
          [['x'], ['y']],
          [1, 2, 3],
        ]) {
          try {
            made = make(...args);
            break;
          } catch (err) {
            if (String(err).includes('would overwrite')) throw err;
          }
        }
        if (!(made instanceof Problem)) continue;
        const body = made.toBody('/i');
        expect({ at: `${catalog}.${name}`, type: body.type, title: body.title, status: body.status }).toEqual({
          at: `${catalog}.${name}`,
          type: made.type,
          title: made.title,
          status: made.status,
        });
        expect(body.instance).toBe('/i');
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('order-not-cancellable and payment-not-refundable name the state in orderStatus / paymentStatus', () => {
    expect(orderErrors.notCancellable('SHIPPED').toBody()).toMatchObject({ status: 409, orderStatus: 'SHIPPED' });
    expect(paymentErrors.notRefundable('PENDING').toBody()).toMatchObject({ status: 409, paymentStatus: 'PENDING' });
  });
});
