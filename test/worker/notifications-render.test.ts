/**
 * Template placeholders name the message's own variables, nothing else: `{{constructor}}`,
 * `{{__proto__}}`, `{{toString}}` and the other names JavaScript objects inherit render empty
 * like any unknown name (docs/api.md, Notifications), in a preview and in a delivered notification.
 */
import { describe, expect, it } from 'vitest';

import { renderHtml, renderText, variablesOf } from '../../src/services/notifications/render.ts';
import { as, createTenant, grantRole, registerUser } from './identity-helpers.ts';
import { consume, message, stored } from './notifications-helpers.ts';

const INHERITED = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];
const template = INHERITED.map((n) => `[{{${n}}}]`).join('');
const empty = INHERITED.map(() => '[]').join('');

describe('template rendering: own variables only', () => {
  it('inherited names render empty in text and HTML; own scalars render', () => {
    expect(renderText(template, {})).toBe(empty);
    expect(renderHtml(template, {})).toBe(empty);
    expect(renderText('{{constructor}}-{{orderNumber}}', { orderNumber: 'ORD-7' })).toBe('-ORD-7');
    // A `__proto__` key that arrives as data (JSON) is an ordinary variable, not a prototype.
    const vars = variablesOf(JSON.parse('{"__proto__": "P", "x": {"y": 1}, "n": 3}') as Record<string, unknown>, {
      toString: 'T',
    });
    expect(renderText('{{__proto__}}|{{x}}|{{n}}|{{toString}}|{{constructor}}', vars)).toBe('P||3|T|');
    expect(Object.getPrototypeOf(vars)).toBeNull();
  });

  it('preview and delivery: {{constructor}} {{__proto__}} {{toString}} render empty, not JavaScript internals', async () => {
    const tenantId = await createTenant();
    const admin = await grantRole(await registerUser(tenantId), 'ADMIN');
    const base = '/api/v1/admin/notification-templates';
    const preview = await as(admin, 'POST', `${base}/preview`, {
      type: 'ORDER_SHIPPED',
      channel: 'IN_APP',
      template: { title: `T${template}`, body: `B{{constructor}}{{orderNumber}}` },
    });
    expect(preview.status).toBe(200);
    expect(await preview.json()).toMatchObject({ title: `T${empty}`, text: 'BORD-1001' });

    const saved = await as(admin, 'PUT', `${base}/ORDER_SHIPPED/IN_APP/default`, {
      title: `Shipped{{toString}}{{__proto__}}`,
      body: `Order {{orderNumber}}{{constructor}}{{valueOf}}`,
    });
    expect(saved.status).toBe(201);
    const body = message(admin, { channels: ['IN_APP'] });
    await consume([{ body }]);
    const doc = await stored(tenantId, body.eventId);
    expect(doc).toMatchObject({ title: 'Shipped', message: 'Order ORD-1' });
    expect(`${doc?.title} ${doc?.message}`).not.toMatch(/native code|function|object Object/);
  });
});
