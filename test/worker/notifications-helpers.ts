import { env } from 'cloudflare:workers';

import type { NotificationDocument } from '../../src/services/notifications/model.ts';
import { as, type TestUser } from './identity-helpers.ts';
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
  const current = (await (await as(user, 'GET', '/api/v1/users/me/preferences')).json()) as Record<string, unknown>;
  const { updatedAt: _, ...rest } = current;
  const res = await as(user, 'PUT', '/api/v1/users/me/preferences', { ...rest, ...prefs });
  if (res.status !== 200) throw new Error(`preferences: ${res.status} ${await res.text()}`);
}

export async function setPhone(user: TestUser, phone: string) {
  const res = await as(user, 'PATCH', '/api/v1/users/me/profile', { phone });
  if (res.status !== 200) throw new Error(`profile: ${res.status} ${await res.text()}`);
}

export interface SmsRecord {
  sid: string;
  to: string;
  from: string;
  body: string;
  replay: boolean;
}

export async function smsTo(phone: string): Promise<SmsRecord[]> {
  return (await (
    await fetch(`${SMS_PROVIDER_URL}/test/messages?to=${encodeURIComponent(phone)}`)
  ).json()) as SmsRecord[];
}

/** A unique E.164 number per test, so tests never see each other's messages. */
export const uniquePhone = () => `+1555${String(Math.floor(Math.random() * 10_000_000)).padStart(7, '0')}`;

/** Subscribes like a browser at the local push service, then registers the subscription with the API. */
export async function subscribePush(user: TestUser): Promise<{ endpoint: string; id: string; pushId: string }> {
  const list = (await (await as(user, 'GET', '/api/v1/users/me/push-subscriptions')).json()) as {
    vapidPublicKey: string;
  };
  const sub = (await (
    await fetch(`${PUSH_SERVICE_URL}/subscribe`, {
      method: 'POST',
      body: JSON.stringify({ applicationServerKey: list.vapidPublicKey }),
    })
  ).json()) as { endpoint: string; keys: { p256dh: string; auth: string } };
  const res = await as(user, 'POST', '/api/v1/users/me/push-subscriptions', sub);
  if (res.status !== 201) throw new Error(`push subscription: ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return { endpoint: sub.endpoint, id, pushId: sub.endpoint.split('/').pop()! };
}

export async function pushesTo(
  pushId: string,
): Promise<{ payload: Record<string, unknown>; headers: Record<string, string> }[]> {
  return (await (await fetch(`${PUSH_SERVICE_URL}/messages/${pushId}`)).json()) as {
    payload: Record<string, unknown>;
    headers: Record<string, string>;
  }[];
}

export const pushControl = (pushId: string, action: 'expire' | 'fail', count = 1) =>
  fetch(`${PUSH_SERVICE_URL}/${action}/${pushId}?count=${count}`, { method: 'POST' });
