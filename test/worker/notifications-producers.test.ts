import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import { totpCode, totpStep } from '../../src/lib/totp.ts';
import type { NotificationMessage } from '../../src/queues/notification-messages.ts';
import {
  apiWithEnv,
  challengeOf,
  createTenant,
  grantRole,
  jsonOf,
  PASSWORD,
  registerUser,
  type Caller,
  type TestUser,
} from '../fixtures/index.ts';
import { consume, stored, storedAll } from './notifications-helpers.ts';
import { insertProduct, postReview, review } from './reviews-helpers.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

/** The Worker with its notifications queue observed: every message a producer sends. */
function observed() {
  const sent: NotificationMessage[] = [];
  const queue = {
    async send(m: NotificationMessage) {
      sent.push(structuredClone(m));
    },
    async sendBatch(ms: Iterable<MessageSendRequest<NotificationMessage>>) {
      for (const m of ms) sent.push(structuredClone(m.body));
    },
  } as unknown as Queue<NotificationMessage>;
  const withEnv = { ...env, NOTIFICATIONS_QUEUE: queue } as Cloudflare.Env;
  const fetchAs = async (
    user: TestUser | null,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`http://localhost${path}`, {
        method,
        headers: {
          ...(user ? { authorization: `Bearer ${user.accessToken}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
      withEnv,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return res;
  };
  /** The typed client over the same Worker bindings (the observed queue). */
  const client = (who: Caller) => apiWithEnv({ NOTIFICATIONS_QUEUE: queue }, who);
  return { sent, fetchAs, client, ofType: (type: string) => sent.filter((m) => m.type === type) };
}

/** Delivers what was sent (twice, as a redelivery would) and returns the stored notification. */
async function deliveredOnce(m: NotificationMessage) {
  await consume([{ body: m }]);
  await consume([{ body: m, attempts: 2 }]);
  expect(await storedAll(m.tenantId, m.eventId)).toHaveLength(1);
  return (await stored(m.tenantId, m.eventId))!;
}

describe('review producers', () => {
  it('approval, rejection and a seller response each notify the author once', async () => {
    const tenantId = await createTenant();
    const [author, support, manager] = await Promise.all([
      registerUser(tenantId),
      registerUser(tenantId).then((u) => grantRole(u, 'SUPPORT')),
      registerUser(tenantId).then((u) => grantRole(u, 'MANAGER')),
    ]);
    const productId = await insertProduct(mongo, tenantId, { name: 'Trail shoe' });
    const { id } = await postReview(author, productId, { rating: 4 });
    const w = observed();

    expect((await w.fetchAs(support, 'POST', review(id, 'moderate'), { decision: 'APPROVE' })).status).toBe(200);
    expect(w.sent).toHaveLength(1);
    const approved = w.ofType('REVIEW_APPROVED')[0]!;
    expect(approved).toMatchObject({ tenantId, userId: author.id, data: { reviewId: id, productName: 'Trail shoe' } });
    expect((await deliveredOnce(approved)).title).toBe('Your review is live');

    expect(
      (await w.fetchAs(manager, 'POST', review(id, 'response'), { message: 'Thanks for <b>trying</b> it!' })).status,
    ).toBe(200);
    const response = w.ofType('REVIEW_RESPONSE');
    expect(response).toHaveLength(1);
    expect((await deliveredOnce(response[0]!)).message).toContain('Thanks for <b>trying</b> it!');

    expect(
      (await w.fetchAs(support, 'POST', review(id, 'moderate'), { decision: 'REJECT', note: 'Off topic' })).status,
    ).toBe(200);
    const rejected = w.ofType('REVIEW_REJECTED');
    expect(rejected).toHaveLength(1);
    expect((await deliveredOnce(rejected[0]!)).message).toContain('Off topic');

    expect(w.sent).toHaveLength(3);
    expect(new Set(w.sent.map((m) => m.eventId)).size).toBe(3);
    // A failed moderation (unknown review) sends nothing.
    expect((await w.fetchAs(support, 'POST', review('0'.repeat(24), 'moderate'), { decision: 'APPROVE' })).status).toBe(
      404,
    );
    expect(w.sent).toHaveLength(3);
  });
});

describe('security producers (always EMAIL + IN_APP)', () => {
  it('2FA enabled and disabled: one event each, with stable ids', async () => {
    const user = await registerUser(await createTenant());
    const w = observed();
    const { secret } = await jsonOf(await w.client({ user }).auth['2fa'].setup.$post(), 200);
    expect(w.sent).toEqual([]);
    const code = await totpCode(secret, totpStep(Date.now()) - 1);
    expect((await w.fetchAs(user, 'POST', '/api/v1/auth/2fa/enable', { code })).status).toBe(204);
    // the same code again is refused, and sends nothing
    expect((await w.fetchAs(user, 'POST', '/api/v1/auth/2fa/enable', { code })).status).toBe(409);
    expect(w.ofType('TFA_ENABLED')).toHaveLength(1);
    expect(
      (
        await w.fetchAs(user, 'POST', '/api/v1/auth/2fa/disable', {
          code: await totpCode(secret, totpStep(Date.now())),
        })
      ).status,
    ).toBe(204);
    expect(w.ofType('TFA_DISABLED')).toHaveLength(1);
    expect(w.sent).toHaveLength(2);
    for (const m of w.sent) {
      expect(m).toMatchObject({
        userId: user.id,
        tenantId: user.tenantId,
        priority: 'HIGH',
        channels: ['EMAIL', 'IN_APP'],
      });
      const doc = await deliveredOnce(m);
      expect(doc.channelStatus).toMatchObject({ EMAIL: { status: 'SENT' }, IN_APP: { status: 'SENT' } });
    }
  });

  it('a new API key: one event naming the key', async () => {
    const user = await registerUser(await createTenant());
    const w = observed();
    const res = await w
      .client({ user })
      .auth['api-keys'].$post({ json: { name: 'ci-deploy', scopes: ['read:products'] } });
    const { apiKey } = await jsonOf(res, 201);
    expect(w.sent).toEqual([
      expect.objectContaining({
        type: 'API_KEY_CREATED',
        eventId: `security:api_key_created:${apiKey.id}`,
        data: expect.objectContaining({ keyName: 'ci-deploy' }),
      }),
    ]);
    expect((await deliveredOnce(w.sent[0]!)).message).toContain('"ci-deploy"');
  });

  it('account paused by failed logins: one event when the pause begins, none for later attempts', async () => {
    const user = await registerUser(await createTenant());
    const w = observed();
    const attempt = (password: string) =>
      w.fetchAs(null, 'POST', '/api/v1/auth/login', { login: user.email, password }, { 'x-tenant-id': user.tenantId });
    const max = Number(env.MAX_FAILED_LOGINS || 5);
    for (let i = 1; i < max; i++) expect((await attempt('Wrong-Password-1')).status).toBe(401);
    expect(w.sent).toEqual([]);
    expect((await attempt('Wrong-Password-1')).status).toBe(423);
    expect((await attempt('Wrong-Password-1')).status).toBe(423);
    expect((await attempt(PASSWORD)).status).toBe(423);
    expect(w.sent.map((m) => m.type)).toEqual(['ACCOUNT_LOCKED']);
    expect((await deliveredOnce(w.sent[0]!)).title).toBe('Your account is temporarily locked');
  });

  it('account locked by wrong 2FA codes: one event as well', async () => {
    const user = await registerUser(await createTenant());
    const w = observed();
    const { secret } = await jsonOf(await w.client({ user }).auth['2fa'].setup.$post(), 200);
    expect(
      (
        await w.fetchAs(user, 'POST', '/api/v1/auth/2fa/enable', {
          code: await totpCode(secret, totpStep(Date.now()) - 1),
        })
      ).status,
    ).toBe(204);
    const login = await w.client({ tenantId: user.tenantId }).auth.login.$post({
      header: {},
      json: { login: user.email, password: PASSWORD },
    });
    const { challengeToken } = challengeOf(await jsonOf(login, 200));
    const statuses: number[] = [];
    const max = Number(env.MAX_FAILED_LOGINS || 5);
    for (let i = 0; i <= max; i++)
      statuses.push(
        (await w.fetchAs(null, 'POST', '/api/v1/auth/login/2fa', { challengeToken, code: '000000' })).status,
      );
    expect(statuses.at(-1)).toBe(423);
    expect(w.ofType('ACCOUNT_LOCKED')).toHaveLength(1);
  });

  it('a sign-in from a new device or network: one event per new fingerprint; the first device is not new', async () => {
    const user = await registerUser(await createTenant());
    const w = observed();
    const signIn = (ip: string, ua: string) =>
      w.fetchAs(
        null,
        'POST',
        '/api/v1/auth/login',
        { login: user.email, password: PASSWORD },
        { 'x-tenant-id': user.tenantId, 'cf-connecting-ip': ip, 'user-agent': ua },
      );
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36';
    expect((await signIn('198.51.100.7', firefox)).status).toBe(200);
    expect((await signIn('198.51.100.99', firefox)).status).toBe(200); // same /24, same browser: known
    expect(w.sent).toEqual([]);
    expect((await signIn('203.0.113.5', chrome)).status).toBe(200);
    expect((await signIn('203.0.113.5', chrome)).status).toBe(200);
    expect(w.sent).toEqual([
      expect.objectContaining({
        type: 'NEW_SIGN_IN',
        data: { network: '203.0.113.0/24', device: 'Chrome on Windows' },
      }),
    ]);
    expect((await deliveredOnce(w.sent[0]!)).message).toContain('203.0.113.0/24, Chrome on Windows');
  });
});
