import { env } from 'cloudflare:workers';
import { z } from 'zod';

import type { NotificationDocument } from '../../src/services/notifications/model.ts';
import { apiAs, expectStatus, jsonOf, type TestUser } from '../fixtures/index.ts';
import { testStores } from './stores.ts';

export { consume, notificationMessage as message } from '../fixtures/factories.ts';

/** Bindings only the test stack sets: where the local SMS provider and push service can be inspected. */
const testEnv = env as unknown as Record<string, string>;
export const SMS_PROVIDER_URL = testEnv.TEST_SMS_PROVIDER_URL!;
export const PUSH_SERVICE_URL = testEnv.TEST_PUSH_SERVICE_URL!;

export async function stored(tenantId: string, eventId: string): Promise<NotificationDocument | null> {
  const stores = testStores();
  try {
    return await stores.mongo().collection<NotificationDocument>('notifications').findOne({ tenantId, eventId });
  } finally {
    await stores.close();
  }
}

export async function storedAll(tenantId: string, eventId: string): Promise<NotificationDocument[]> {
  const stores = testStores();
  try {
    return await stores.mongo().collection<NotificationDocument>('notifications').find({ tenantId, eventId });
  } finally {
    await stores.close();
  }
}

/** Sets the user's notification preferences through the API (the users service). */
export async function setPreferences(
  user: TestUser,
  prefs: Partial<{
    emailNotifications: boolean;
    smsNotifications: boolean;
    pushNotifications: boolean;
    language: string;
  }>,
) {
  const me = apiAs(user).users.me;
  const { updatedAt: _, ...rest } = await jsonOf(await me.preferences.$get(), 200);
  await expectStatus(await me.preferences.$put({ json: { ...rest, ...prefs } }), 200);
}

export async function setPhone(user: TestUser, phone: string) {
  await expectStatus(await apiAs(user).users.me.profile.$patch({ json: { phone } }), 200);
}

/** A message as the local SMS provider (a test double of a third-party service) records it. */
const SmsRecord = z.object({
  sid: z.string(),
  to: z.string(),
  from: z.string(),
  body: z.string(),
  replay: z.boolean(),
});
export type SmsRecord = z.infer<typeof SmsRecord>;

export async function smsTo(phone: string): Promise<SmsRecord[]> {
  const res = await fetch(`${SMS_PROVIDER_URL}/test/messages?to=${encodeURIComponent(phone)}`);
  return z.array(SmsRecord).parse(await res.json());
}

/** A unique E.164 number per test, so tests never see each other's messages. */
export const uniquePhone = () => `+1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;

/** Subscribes like a browser at the local push service, then registers the subscription with the API. */
/** A browser's subscription as the local push service (a test double) hands it out. */
const BrowserSubscription = z.object({
  endpoint: z.string(),
  keys: z.object({ p256dh: z.string(), auth: z.string() }),
});

export async function subscribePush(user: TestUser): Promise<{ endpoint: string; id: string; pushId: string }> {
  const subscriptions = apiAs(user).users.me['push-subscriptions'];
  const list = await jsonOf(await subscriptions.$get(), 200);
  const offered = await fetch(`${PUSH_SERVICE_URL}/subscribe`, {
    method: 'POST',
    body: JSON.stringify({ applicationServerKey: list.vapidPublicKey }),
  });
  const sub = BrowserSubscription.parse(await offered.json());
  const { id } = await jsonOf(await subscriptions.$post({ json: sub }), 201);
  return { endpoint: sub.endpoint, id, pushId: sub.endpoint.split('/').pop()! };
}

/** What the local push service received for one subscription. */
const PushRecord = z.object({
  payload: z.record(z.string(), z.unknown()),
  headers: z.record(z.string(), z.string()),
});

export async function pushesTo(pushId: string): Promise<z.infer<typeof PushRecord>[]> {
  return z.array(PushRecord).parse(await (await fetch(`${PUSH_SERVICE_URL}/messages/${pushId}`)).json());
}

export const pushControl = (pushId: string, action: 'expire' | 'fail', count = 1) =>
  fetch(`${PUSH_SERVICE_URL}/${action}/${pushId}?count=${count}`, { method: 'POST' });
