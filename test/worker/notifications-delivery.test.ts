import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import type { NotificationMessage } from '../../src/queues/notification-messages.ts';
// @ts-expect-error -- `?raw` imports are resolved by Vite, not by tsc
import wranglerToml from '../../wrangler.toml?raw';
import { apiAs, jsonOf } from '../fixtures/index.ts';
import { eventually } from './helpers.ts';
import { createTenant, registerUser, type TestUser } from './identity-helpers.ts';
import {
  consume,
  message,
  pushControl,
  pushesTo,
  setPhone,
  setPreferences,
  smsTo,
  stored,
  storedAll,
  subscribePush,
  uniquePhone,
} from './notifications-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

/** The real send_email binding, observed: every message it accepted, as raw MIME. */
function recordingEmail() {
  const sent: { from: string; to: string; raw: string }[] = [];
  const binding = {
    async send(m: EmailMessage) {
      const result = await env.EMAIL!.send(m);
      sent.push({
        from: m.from,
        to: m.to,
        raw: String((m as unknown as Record<string, unknown>)['EmailMessage::raw']),
      });
      return result;
    },
  } as SendEmail;
  return { sent, env: { ...env, EMAIL: binding } as Cloudflare.Env };
}

/** Decoded text and HTML parts of our multipart/alternative MIME. */
function parts(raw: string): { headers: string; text: string; html: string } {
  const [headers = ''] = raw.split('\r\n\r\n', 1);
  const part = (type: string) => {
    const m = new RegExp(
      `Content-Type: ${type}; charset=UTF-8\\r\\nContent-Transfer-Encoding: base64\\r\\n\\r\\n([A-Za-z0-9+/=\\r\\n]+?)\\r\\n--`,
    ).exec(raw);
    if (!m) throw new Error(`no ${type} part`);
    const bin = atob(m[1]!.replace(/\r\n/g, ''));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  };
  return { headers, text: part('text/plain'), html: part('text/html') };
}

/** A user with a phone, SMS on, and a push subscription: every channel deliverable. */
async function reachableUser(): Promise<{ user: TestUser; phone: string; pushId: string }> {
  const user = await registerUser(await createTenant());
  const phone = uniquePhone();
  await setPhone(user, phone);
  await setPreferences(user, { smsNotifications: true });
  const { pushId } = await subscribePush(user);
  return { user, phone, pushId };
}

const ALL: NotificationMessage['channels'] = ['EMAIL', 'SMS', 'PUSH', 'IN_APP'];

describe('each channel end to end through the queue consumer', () => {
  it('EMAIL (send_email binding: text + HTML parts), SMS (Twilio-shaped provider), PUSH (decrypted by the push service), IN_APP (the stored document)', async () => {
    const { user, phone, pushId } = await reachableUser();
    const mail = recordingEmail();
    const body = message(user, { channels: ALL, priority: 'HIGH', actionUrl: 'https://shop.example/orders/ORD-1' });
    const result = await consume([{ id: 'e2e', body }], mail.env);
    expect(result.explicitAcks).toEqual(['e2e']);

    const doc = (await stored(user.tenantId, body.eventId))!;
    for (const ch of ['EMAIL', 'SMS', 'PUSH', 'IN_APP'] as const) {
      expect(doc.channelStatus[ch], ch).toMatchObject({
        status: 'SENT',
        error: null,
        providerMessageId: expect.any(String),
      });
    }
    // EMAIL: the binding accepted our MIME (it parses it) and answered with its message id.
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]).toMatchObject({ from: env.EMAIL_FROM, to: user.email });
    expect(doc.channelStatus.EMAIL!.providerMessageId).toMatch(/^<.+@.+>$/);
    const email = parts(mail.sent[0]!.raw);
    expect(email.headers).toContain('Subject: Order ORD-1 shipped');
    expect(email.text).toBe('Your order ORD-1 is on its way.');
    expect(email.html).toMatch(/^<!doctype html>.*Your order ORD-1 is on its way\./s);

    // SMS: the provider got one authenticated form request, its sid is the provider id.
    const sms = await smsTo(phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({
      to: phone,
      from: env.SMS_FROM,
      body: expect.stringContaining('ORD-1 is on its way'),
      replay: false,
    });
    expect(doc.channelStatus.SMS!.providerMessageId).toBe(sms[0]!.sid);

    // PUSH: the push service verified VAPID and decrypted the aes128gcm payload.
    const pushes = await pushesTo(pushId);
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.payload).toMatchObject({
      id: doc._id.toHexString(),
      type: 'ORDER_SHIPPED',
      title: 'Order ORD-1 shipped',
      url: 'https://shop.example/orders/ORD-1',
    });
    expect(pushes[0]!.headers.urgency).toBe('high');

    // IN_APP: the stored document, in the owner's inbox.
    const page = await jsonOf(await apiAs(user).notifications.$get({ query: {} }), 200);
    expect(page.data).toEqual([expect.objectContaining({ id: doc._id.toHexString(), title: 'Order ORD-1 shipped' })]);
  });

  it('a message sent to the real queue binding is consumed', async () => {
    const user = await registerUser(await createTenant());
    const body = message(user, { channels: ['IN_APP'] });
    await env.NOTIFICATIONS_QUEUE.send(body);
    const doc = await eventually(async () => {
      const d = await stored(user.tenantId, body.eventId);
      return d?.channelStatus.IN_APP?.status === 'SENT' ? d : null;
    });
    expect(doc).toMatchObject({ userId: user.id, type: 'ORDER_SHIPPED', read: false });
  });
});

describe('preferences decide channels', () => {
  it('a channel the user turned off is SKIPPED and never sent', async () => {
    const { user, phone, pushId } = await reachableUser();
    await setPreferences(user, { emailNotifications: false, smsNotifications: false, pushNotifications: false });
    const mail = recordingEmail();
    const body = message(user, { channels: ALL });
    expect((await consume([{ body }], mail.env)).explicitAcks).toHaveLength(1);
    const doc = (await stored(user.tenantId, body.eventId))!;
    for (const ch of ['EMAIL', 'SMS', 'PUSH'] as const)
      expect(doc.channelStatus[ch]).toMatchObject({ status: 'SKIPPED', reason: 'preference-off' });
    expect(doc.channelStatus.IN_APP).toMatchObject({ status: 'SENT' });
    expect(mail.sent).toEqual([]);
    expect(await smsTo(phone)).toEqual([]);
    expect(await pushesTo(pushId)).toEqual([]);
  });

  it('SMS without a phone number and PUSH without a subscription are SKIPPED with the reason', async () => {
    const user = await registerUser(await createTenant());
    await setPreferences(user, { smsNotifications: true });
    const body = message(user, { channels: ALL });
    await consume([{ body }]);
    const doc = (await stored(user.tenantId, body.eventId))!;
    expect(doc.channelStatus.SMS).toMatchObject({ status: 'SKIPPED', reason: 'no-phone' });
    expect(doc.channelStatus.PUSH).toMatchObject({ status: 'SKIPPED', reason: 'no-subscriptions' });
    expect(doc.channelStatus.EMAIL).toMatchObject({ status: 'SENT' });
  });

  it('security events always go to EMAIL and IN_APP, whatever the preferences and the requested channels', async () => {
    const user = await registerUser(await createTenant());
    await setPreferences(user, { emailNotifications: false });
    const mail = recordingEmail();
    const body = message(user, {
      type: 'TFA_DISABLED',
      title: undefined,
      message: undefined,
      channels: ['PUSH'],
      data: {},
    });
    await consume([{ body }], mail.env);
    const doc = (await stored(user.tenantId, body.eventId))!;
    expect(doc.channelStatus).toMatchObject({
      EMAIL: { status: 'SENT' },
      IN_APP: { status: 'SENT' },
      PUSH: { status: 'SKIPPED' },
    });
    expect(mail.sent.map((m) => m.to)).toEqual([user.email]);
    expect(doc.title).toBe('Two-factor authentication disabled');
  });

  it('HIGH priority messages of a batch are delivered before NORMAL and LOW ones', async () => {
    const user = await registerUser(await createTenant());
    const phone = uniquePhone();
    await setPhone(user, phone);
    await setPreferences(user, { smsNotifications: true });
    const sms = (priority: 'LOW' | 'NORMAL' | 'HIGH', i: number) =>
      message(user, {
        channels: ['SMS'],
        priority,
        type: 'CUSTOM_NOTICE',
        title: priority,
        message: `${priority} ${i}`,
      });
    const batch = [sms('LOW', 1), sms('NORMAL', 1), sms('LOW', 2), sms('NORMAL', 2), sms('HIGH', 1), sms('HIGH', 2)];
    expect((await consume(batch.map((body) => ({ body })))).explicitAcks).toHaveLength(6);
    const order = (await smsTo(phone)).map((m) => m.body.split(' ')[0]);
    expect(order).toEqual(['HIGH', 'HIGH', 'NORMAL', 'NORMAL', 'LOW', 'LOW']);
  });
});

describe('at-least-once delivery', () => {
  it('a redelivered message stores once and delivers nothing twice', async () => {
    const { user, phone, pushId } = await reachableUser();
    const mail = recordingEmail();
    const body = message(user, { channels: ALL });
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect((await consume([{ id: 'same', body, attempts: attempt }], mail.env)).explicitAcks).toEqual(['same']);
    }
    // And the same event re-sent as a new message (another message id) by the producer:
    expect((await consume([{ id: 'resent', body }], mail.env)).explicitAcks).toEqual(['resent']);
    expect(await storedAll(user.tenantId, body.eventId)).toHaveLength(1);
    expect(mail.sent).toHaveLength(1);
    expect(await smsTo(phone)).toHaveLength(1);
    expect(await pushesTo(pushId)).toHaveLength(1);
  });

  it('only the failed channel is retried; after the retries the message is dead-lettered', async () => {
    const { user, phone, pushId } = await reachableUser();
    await pushControl(pushId, 'fail', 100); // the push service answers 500 from now on
    const mail = recordingEmail();
    const body = message(user, { channels: ALL });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await consume([{ id: 'flaky', body, attempts: attempt }], mail.env);
      expect(result.retryMessages.map((m) => m.msgId)).toEqual(['flaky']);
      expect(result.explicitAcks).toEqual([]);
    }
    const doc = (await stored(user.tenantId, body.eventId))!;
    expect(doc.channelStatus.PUSH).toMatchObject({
      status: 'FAILED',
      attempts: 3,
      error: expect.stringContaining('500'),
    });
    expect(doc.channelStatus.EMAIL).toMatchObject({ status: 'SENT', attempts: 1 });
    expect(doc.channelStatus.SMS).toMatchObject({ status: 'SENT', attempts: 1 });
    expect(mail.sent).toHaveLength(1);
    expect(await smsTo(phone)).toHaveLength(1);

    // Out of retries, the runtime moves it to notifications-dlq, whose consumer records it once.
    const toml = String(wranglerToml);
    expect(toml).toMatch(
      /queue = "notifications"\nmax_batch_size = \d+\nmax_batch_timeout = \d+\nmax_retries = 5\nretry_delay = \d+\ndead_letter_queue = "notifications-dlq"/,
    );
    for (let i = 0; i < 2; i++)
      expect((await consume([{ id: 'flaky', body }], env, 'notifications-dlq')).explicitAcks).toEqual(['flaky']);
    expect(
      await mongo
        .collection('dead_letters')
        .find({ queue: 'notifications-dlq', messageId: 'flaky', 'body.eventId': body.eventId }),
    ).toHaveLength(1);

    // A later success of the failed channel alone completes the notification.
    await fetch(`${(env as unknown as Record<string, string>).TEST_PUSH_SERVICE_URL}/fail/${pushId}?count=0`, {
      method: 'POST',
    });
    expect((await consume([{ id: 'flaky', body, attempts: 4 }], mail.env)).explicitAcks).toEqual(['flaky']);
    expect((await stored(user.tenantId, body.eventId))!.channelStatus.PUSH).toMatchObject({
      status: 'SENT',
      attempts: 4,
    });
    expect(await pushesTo(pushId)).toHaveLength(1);
    expect(mail.sent).toHaveLength(1);
  });

  it('a push subscription the push service reports gone (410) is removed', async () => {
    const user = await registerUser(await createTenant());
    const { pushId } = await subscribePush(user);
    await pushControl(pushId, 'expire');
    const body = message(user, { channels: ['PUSH', 'IN_APP'] });
    expect((await consume([{ body }])).explicitAcks).toHaveLength(1);
    expect((await stored(user.tenantId, body.eventId))!.channelStatus.PUSH).toMatchObject({
      status: 'SKIPPED',
      reason: 'subscriptions-expired',
    });
    const list = await jsonOf(await apiAs(user).users.me['push-subscriptions'].$get(), 200);
    expect(list.data).toEqual([]);
  });

  it('malformed messages and messages with nothing to say are dead-lettered at once, not retried', async () => {
    const user = await registerUser(await createTenant());
    const noText = message(user, { type: 'UNKNOWN_TYPE', title: undefined, message: undefined });
    const result = await consume([
      { id: 'malformed', body: { hello: 'world' } },
      { id: 'no-text', body: noText },
    ]);
    expect(result.explicitAcks.sort()).toEqual(['malformed', 'no-text']);
    expect(result.retryMessages).toEqual([]);
    expect(
      await mongo
        .collection('dead_letters')
        .findOne({ queue: 'notifications', messageId: 'no-text', 'body.eventId': noText.eventId }),
    ).toMatchObject({ reason: 'undeliverable' });
    expect(await stored(user.tenantId, noText.eventId)).toBeNull();
  });
});
