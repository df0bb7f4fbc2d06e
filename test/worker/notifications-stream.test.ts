import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

import { authConfig } from '../../src/lib/config.ts';
import { keyRing, signAccessToken } from '../../src/lib/jwt.ts';
import { feedOf } from '../../src/services/notifications/feed.ts';
import { apiAs, jsonOf } from '../fixtures/index.ts';
import { call, problemOf } from './helpers.ts';
import { as, createTenant, login, registerUser, tenantAdmin, type TestUser } from './identity-helpers.ts';
import { consume, message } from './notifications-helpers.ts';

const STREAM = '/api/v1/notifications/stream';

interface Socket {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  closed: Promise<{ code: number; reason: string }>;
  next(predicate?: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

function attach(ws: WebSocket): Socket {
  const messages: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  ws.accept();
  ws.addEventListener('message', (e) => {
    messages.push(JSON.parse(String(e.data)) as Record<string, unknown>);
    for (const w of waiters.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason })),
  );
  return {
    ws,
    messages,
    closed,
    async next(predicate = () => true, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = messages.find(predicate);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('no such message on the socket');
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, left);
        });
      }
    },
  };
}

async function open(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { headers: { upgrade: 'websocket', ...headers } });
}

async function connect(user: Pick<TestUser, 'accessToken'>): Promise<Socket> {
  const res = await open(STREAM, { authorization: `Bearer ${user.accessToken}` });
  expect(res.status).toBe(101);
  const socket = attach(res.webSocket!);
  await socket.next((m) => m.type === 'ready');
  return socket;
}

const isNotification = (id?: string) => (m: Record<string, unknown>) =>
  m.type === 'notification' && (!id || (m.notification as { title?: string })?.title === id);

describe('live feed (WebSocket per user, Durable Object with hibernation)', () => {
  it('every open socket of the user receives a notification sent after it connected; other users get nothing', async () => {
    const tenantId = await createTenant();
    const [user, other] = await Promise.all([registerUser(tenantId), registerUser(tenantId)]);
    const [a, b, c] = await Promise.all([connect(user), connect(user), connect(other)]);
    const body = message(user, { channels: ['IN_APP'], type: 'CUSTOM_NOTICE', title: 'Live one', message: 'hello' });
    expect((await consume([{ body }])).explicitAcks).toHaveLength(1);
    // Pushed by the consumer right after storing: on the socket within a second.
    const got = await a.next(isNotification('Live one'), 1000);
    expect(got.notification).toMatchObject({ type: 'CUSTOM_NOTICE', title: 'Live one', message: 'hello', read: false });
    await b.next(isNotification('Live one'), 1000);
    expect(c.messages.filter(isNotification())).toEqual([]);
    // A redelivery does not push it again.
    await consume([{ body, attempts: 2 }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.messages.filter(isNotification('Live one'))).toHaveLength(1);
    for (const s of [a, b, c]) s.ws.close(1000, 'done');
  });

  it('refuses a bad or missing token and a non-WebSocket request', async () => {
    const user = await registerUser(await createTenant());
    const bad = await open(STREAM, { authorization: `Bearer ${user.accessToken.slice(0, -4)}AAAA` });
    expect(bad.status).toBe(401);
    expect(bad.webSocket).toBeNull();
    expect((await problemOf(bad)).type).toMatch(/unauthorized$/);
    expect((await open(STREAM)).status).toBe(401);
    expect((await open(`${STREAM}?ticket=not-a-ticket`)).status).toBe(401);
    const plain = await call(STREAM, { headers: { authorization: `Bearer ${user.accessToken}` } });
    expect(plain.status).toBe(426);
  });

  it('browsers use a short single-use ticket: it opens one socket, never two', async () => {
    const user = await registerUser(await createTenant());
    const res = await apiAs(user).notifications.stream.ticket.$post();
    const { ticket, url, expiresIn } = await jsonOf(res, 201);
    expect(expiresIn).toBeLessThanOrEqual(60);
    expect(url).toBe(`${STREAM}?ticket=${encodeURIComponent(ticket)}`);
    const first = await open(url);
    expect(first.status).toBe(101);
    const socket = attach(first.webSocket!);
    await socket.next((m) => m.type === 'ready');
    expect((await open(url)).status).toBe(401);
    // The ticket works only for its own user's feed.
    const body = message(user, { channels: ['IN_APP'], type: 'CUSTOM_NOTICE', title: 'Via ticket', message: 'x' });
    await consume([{ body }]);
    await socket.next(isNotification('Via ticket'), 1000);
    socket.ws.close(1000);
    expect((await call(`${STREAM}/ticket`, { method: 'POST' })).status).toBe(401);
  });

  it('closes the socket when the access token it was opened with expires', async () => {
    const user = await registerUser(await createTenant());
    const cfg = authConfig(env);
    const shortToken = await signAccessToken(
      await keyRing(env.JWT_SIGNING_KEYS),
      { sub: user.id, tid: user.tenantId, roles: ['USER'], perms: [] },
      { issuer: cfg.issuer, audience: cfg.audience, ttlSeconds: 2 },
    );
    const socket = await connect({ accessToken: shortToken });
    await new Promise((r) => setTimeout(r, 2100));
    const stub = feedOf(env, user.tenantId, user.id);
    await runDurableObjectAlarm(stub);
    expect(await socket.closed).toMatchObject({ code: 4001 });
  });

  it('closes the sockets of a user an admin locks', async () => {
    const admin = await tenantAdmin();
    const user = await registerUser(admin.tenantId);
    const socket = await connect(user);
    expect((await as(admin, 'POST', `/api/v1/admin/users/${user.id}/lock`)).status).toBe(200);
    expect(await socket.closed).toMatchObject({ code: 4003 });
  });

  it('a locked user cannot reopen the feed or mint a ticket with a still-valid token; tokens from before the lock never open it again', async () => {
    const admin = await tenantAdmin();
    const user = await registerUser(admin.tenantId);
    const early = await jsonOf(await apiAs(user).notifications.stream.ticket.$post(), 201);
    const socket = await connect(user);
    expect((await as(admin, 'POST', `/api/v1/admin/users/${user.id}/lock`)).status).toBe(200);
    expect(await socket.closed).toMatchObject({ code: 4003 });
    const bearerAgain = await open(STREAM, { authorization: `Bearer ${user.accessToken}` });
    expect(bearerAgain.status).toBe(423);
    expect(bearerAgain.webSocket).toBeNull();
    expect((await as(user, 'POST', `${STREAM}/ticket`)).status).toBe(423);
    expect((await open(early.url)).status).toBe(423);
    // Unlocked: the old token (issued before the lock) still opens nothing; a new sign-in does.
    expect((await as(admin, 'POST', `/api/v1/admin/users/${user.id}/unlock`)).status).toBe(200);
    expect((await open(STREAM, { authorization: `Bearer ${user.accessToken}` })).status).toBe(401);
    await new Promise((r) => setTimeout(r, 1000)); // access tokens carry whole seconds
    const fresh = await connect(await login(user));
    fresh.ws.close(1000);
  });

  it('suspended and deleted users are refused too', async () => {
    const admin = await tenantAdmin();
    const [suspended, deleted] = await Promise.all([registerUser(admin.tenantId), registerUser(admin.tenantId)]);
    expect((await as(admin, 'POST', `/api/v1/admin/users/${suspended.id}/suspend`)).status).toBe(200);
    expect((await open(STREAM, { authorization: `Bearer ${suspended.accessToken}` })).status).toBe(403);
    expect((await as(suspended, 'POST', `${STREAM}/ticket`)).status).toBe(403);
    expect((await as(admin, 'DELETE', `/api/v1/admin/users/${deleted.id}`)).status).toBe(204);
    expect((await open(STREAM, { authorization: `Bearer ${deleted.accessToken}` })).status).toBe(401);
    expect((await as(deleted, 'POST', `${STREAM}/ticket`)).status).toBe(401);
  });
});
