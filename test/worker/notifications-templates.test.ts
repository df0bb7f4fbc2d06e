import { describe, expect, it } from 'vitest';

import { orderEvent, type OrderEventType } from '../../src/services/orders/events.ts';
import {
  apiAs,
  callAs as as,
  createTenant,
  jsonOf,
  problemOf,
  registerUser,
  tenantWithAdmin,
  type TestUser,
} from '../fixtures/index.ts';
import { consume, message, setPhone, setPreferences, stored, uniquePhone } from './notifications-helpers.ts';

/*
 * Template keys (type/channel/locale) are sent raw: the tests name types, channels and locales
 * outside the route's enumerations on purpose; every body read goes through the typed client.
 */
const base = '/api/v1/admin/notification-templates';
const put = (admin: TestUser, key: string, body: unknown) => as(admin, 'PUT', `${base}/${key}`, body);
const templates = (admin: TestUser) => apiAs(admin).admin['notification-templates'];

describe('template administration (staff)', () => {
  it('PUT creates then replaces, GET reads, list filters, DELETE removes; per tenant', async () => {
    const { admin } = await tenantWithAdmin();
    const other = await tenantWithAdmin();
    const body = { title: 'Parcel {{orderNumber}}', body: 'On its way: {{trackingNumber}}' };
    expect((await put(admin, 'ORDER_SHIPPED/IN_APP/en', body)).status).toBe(201);
    const replaced = await put(admin, 'ORDER_SHIPPED/IN_APP/en', { ...body, title: 'Shipped {{orderNumber}}' });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({
      type: 'ORDER_SHIPPED',
      channel: 'IN_APP',
      locale: 'en',
      title: 'Shipped {{orderNumber}}',
      updatedBy: admin.id,
    });
    expect(await (await as(admin, 'GET', `${base}/ORDER_SHIPPED/IN_APP/en`)).json()).toMatchObject({
      title: 'Shipped {{orderNumber}}',
    });
    const listed = async (channel: 'IN_APP' | 'EMAIL') =>
      (await jsonOf(await templates(admin).$get({ query: { channel } }), 200)).data;
    expect(await listed('IN_APP')).toHaveLength(1);
    expect(await listed('EMAIL')).toHaveLength(0);
    // another tenant's admin sees none of it
    expect((await as(other.admin, 'GET', `${base}/ORDER_SHIPPED/IN_APP/en`)).status).toBe(404);
    expect((await as(other.admin, 'DELETE', `${base}/ORDER_SHIPPED/IN_APP/en`)).status).toBe(404);
    expect((await as(admin, 'DELETE', `${base}/ORDER_SHIPPED/IN_APP/en`)).status).toBe(204);
    expect((await as(admin, 'GET', `${base}/ORDER_SHIPPED/IN_APP/en`)).status).toBe(404);
  });

  it('customers get 403; bad keys and bodies are 400 naming the field', async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    const customer = await registerUser(tenantId);
    expect((await as(customer, 'GET', base)).status).toBe(403);
    expect((await put(customer, 'ORDER_SHIPPED/EMAIL/en', { title: 't', body: 'b' })).status).toBe(403);
    const cases: [string, unknown, string][] = [
      ['ORDER_SHIPPED/FAX/en', { title: 't', body: 'b' }, 'param.channel'],
      ['ORDER_SHIPPED/EMAIL/not a locale', { title: 't', body: 'b' }, 'param.locale'],
      ['order-shipped/EMAIL/en', { title: 't', body: 'b' }, 'param.type'],
      ['ORDER_SHIPPED/EMAIL/en', { title: 't' }, 'body.body'],
      ['ORDER_SHIPPED/EMAIL/en', { title: 't', body: 'Hi {{ name' }, 'body.body'],
      ['ORDER_SHIPPED/SMS/en', { title: 't', body: 'b', html: '<p>x</p>' }, 'body.html'],
      ['ORDER_SHIPPED/SMS/en', { title: 't', body: 'x'.repeat(500) }, 'body.body'],
    ];
    for (const [key, body, field] of cases) {
      const res = await put(admin, key, body);
      expect(res.status, key).toBe(400);
      expect(
        (await problemOf(res)).errors?.map((e) => e.field),
        key,
      ).toContain(field);
    }
  });

  it('preview renders with sample data and escapes hostile variables in the HTML part only', async () => {
    const { admin } = await tenantWithAdmin();
    const hostile = '<script>alert("x")</script> & co';
    const res = await templates(admin).preview.$post({
      json: {
        type: 'ORDER_SHIPPED',
        channel: 'EMAIL',
        template: {
          title: 'Hi {{name}}',
          body: 'Hello {{name}}, order {{orderNumber}}',
          html: '<p>Hello <b>{{name}}</b>, order {{orderNumber}}</p>',
        },
        variables: { name: hostile },
      },
    });
    const preview = await jsonOf(res, 200);
    expect(preview.source).toBe('request');
    expect(preview.html).toBe(
      '<p>Hello <b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</b>, order ORD-1001</p>',
    );
    expect(preview.text).toBe(`Hello ${hostile}, order ORD-1001`);
    // Without a template: the fallback's pick (built-in here), with the sample variables.
    const builtIn = await jsonOf(
      await templates(admin).preview.$post({ json: { type: 'ORDER_CONFIRMATION', channel: 'PUSH', locale: 'es' } }),
      200,
    );
    expect(builtIn).toMatchObject({ source: 'built-in', locale: 'es', title: 'Pedido ORD-1001 confirmado' });
    expect((await as(admin, 'POST', `${base}/preview`, { type: 'NO_SUCH_TYPE', channel: 'PUSH' })).status).toBe(404);
  });
});

describe('rendering at delivery', () => {
  it("falls back from the user's language (tag, then base) to the tenant default to the built-in template", async () => {
    const { tenantId, admin } = await tenantWithAdmin();
    await put(admin, 'ORDER_SHIPPED/IN_APP/fr', {
      title: 'Commande {{orderNumber}} expédiée',
      body: 'Suivi : {{trackingNumber}}',
    });
    await put(admin, 'ORDER_SHIPPED/IN_APP/default', {
      title: 'Shipped! {{orderNumber}}',
      body: 'Tracking {{trackingNumber}}',
    });
    const titleFor = async (language: string, tenant = tenantId) => {
      const user = await registerUser(tenant);
      await setPreferences(user, { language });
      const body = message(user, { channels: ['IN_APP'] });
      await consume([{ body }]);
      const doc = (await stored(tenant, body.eventId))!;
      return [doc.title, doc.content.locale, doc.content.source];
    };
    expect(await titleFor('fr-CA')).toEqual(['Commande ORD-1 expédiée', 'fr', 'tenant']);
    expect(await titleFor('fr')).toEqual(['Commande ORD-1 expédiée', 'fr', 'tenant']);
    expect(await titleFor('de')).toEqual(['Shipped! ORD-1', 'default', 'tenant']);
    const bare = await createTenant();
    expect(await titleFor('es-MX', bare)).toEqual(['Pedido ORD-1 enviado', 'es', 'built-in']);
    expect(await titleFor('de', bare)).toEqual(['Order ORD-1 shipped', 'en', 'built-in']);
  });

  it('producer text is used when the type has no template; hostile values are escaped in e-mail HTML; SMS and push are cut to their limits', async () => {
    const user = await registerUser(await createTenant());
    const phone = uniquePhone();
    await setPhone(user, phone);
    await setPreferences(user, { smsNotifications: true });
    const hostile = `<img src=x onerror=alert(1)> ${'x'.repeat(600)}`;
    const body = message(user, {
      type: 'CUSTOM_NOTICE',
      channels: ['EMAIL', 'SMS', 'PUSH', 'IN_APP'],
      title: 'Notice',
      message: `Hello ${hostile}`,
    });
    await consume([{ body }]);
    const doc = (await stored(user.tenantId, body.eventId))!;
    expect(doc.content.source).toBe('message');
    expect(doc.title).toBe('Notice');
    expect(doc.content.EMAIL!.html).toContain('Hello &lt;img src=x onerror=alert(1)&gt;');
    expect(doc.content.EMAIL!.html).not.toContain('<img');
    expect([...doc.content.SMS!.body].length).toBe(459);
    expect(doc.content.SMS!.body.endsWith('…')).toBe(true);
    expect([...doc.content.PUSH!.body].length).toBe(240);
  });

  it("the checkout producers' messages (today's schema) render with the built-in templates, and variables fill placeholders", async () => {
    const user = await registerUser(await createTenant());
    const data = {
      orderId: crypto.randomUUID(),
      orderNumber: 'ORD-77',
      total: '120.50',
      currency: 'EUR',
      trackingNumber: 'TRK-77',
      amount: '20.00',
    };
    const types = [
      'ORDER_CONFIRMATION',
      'ORDER_CANCELLED',
      'PAYMENT_FAILED',
      'ORDER_SHIPPED',
      'ORDER_DELIVERED',
      'REFUND_ISSUED',
    ];
    const bodies = types.map((type) =>
      message(user, {
        type,
        title: 'Producer title',
        message: 'Producer message',
        channels: ['EMAIL', 'IN_APP'],
        data,
      }),
    );
    expect((await consume(bodies.map((body) => ({ body })))).explicitAcks).toHaveLength(6);
    for (const b of bodies) {
      const doc = (await stored(user.tenantId, b.eventId))!;
      expect(doc.content.source, b.type).toBe('built-in');
      expect(doc.title, b.type).toContain('ORD-77');
      expect(doc.channelStatus, b.type).toMatchObject({ EMAIL: { status: 'SENT' }, IN_APP: { status: 'SENT' } });
    }
    expect((await stored(user.tenantId, bodies[0]!.eventId))!.message).toBe(
      'Thank you! Your order ORD-77 (120.50 EUR) has been confirmed.',
    );
    // The checkout's own producer (src/services/orders/events.ts), unchanged: every type it sends.
    const order = {
      orderId: crypto.randomUUID(),
      tenantId: user.tenantId,
      userId: user.id,
      orderNumber: 'ORD-90',
      total: '15.00',
      currency: 'USD',
    };
    const produced = (types as OrderEventType[]).map((type) =>
      orderEvent(type, order, { extra: type === 'ORDER_CANCELLED' ? { reason: 'out of stock' } : {} }),
    );
    expect((await consume(produced.map((body) => ({ body })))).explicitAcks).toHaveLength(6);
    for (const m of produced) {
      const doc = (await stored(user.tenantId, m.eventId))!;
      expect(doc.title, m.type).toContain('ORD-90');
      expect(doc.actionUrl, m.type).toBe(`/orders/${order.orderId}`);
    }
    expect((await stored(user.tenantId, produced[1]!.eventId))!.message).toBe(
      'Your order ORD-90 has been cancelled. out of stock',
    );
    // `variables` win over `data` for placeholders.
    const withVars = message(user, {
      type: 'ORDER_DELIVERED',
      channels: ['IN_APP'],
      data,
      variables: { orderNumber: 'ORD-78' },
    });
    await consume([{ body: withVars }]);
    expect((await stored(user.tenantId, withVars.eventId))!.title).toBe('Order ORD-78 delivered');
  });
});
