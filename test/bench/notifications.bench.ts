/**
 * Notification benchmark scenario (not a test: it asserts nothing about time). Run with
 * `node scripts/bench-notifications.ts`, which runs this file inside workerd against the
 * test stack (PostgreSQL, FerretDB + gateway, local SMS provider and push service).
 * Prints: consumer throughput for batches of 100 messages on all four channels, Data API
 * calls per message, and live-feed latency (message handed to the consumer -> socket) p50/p99.
 */
import { env, exports } from 'cloudflare:workers';
import { it } from 'vitest';

import type { NotificationMessage } from '../../src/queues/notification-messages.ts';
import { createTenant, registerUser } from '../worker/identity-helpers.ts';
import {
  consume,
  message,
  setPhone,
  setPreferences,
  subscribePush,
  uniquePhone,
} from '../worker/notifications-helpers.ts';

const BATCHES = Number((env as unknown as Record<string, string>).BENCH_BATCHES ?? 3);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

/** Counts the Worker's Data API calls (same isolate: the consumer's fetches go through here). */
function countDataApiCalls() {
  const base = env.MONGO_DATA_API_URL;
  const original = globalThis.fetch;
  const counter = { calls: 0, restore: () => void (globalThis.fetch = original) };
  globalThis.fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(base)) counter.calls++;
    return original(input, init);
  }) as typeof fetch;
  return counter;
}

it('notification consumer and live feed', { timeout: 600_000 }, async () => {
  // Recipients: each reachable on all four channels (e-mail, SMS, one push subscription, in-app).
  const tenantId = await createTenant({ maxUsers: 1000 });
  const users = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const u = await registerUser(tenantId);
      await setPhone(u, uniquePhone());
      await setPreferences(u, { smsNotifications: true });
      await subscribePush(u);
      return u;
    }),
  );

  const rows: string[] = [];
  let totalMs = 0;
  let totalMessages = 0;
  let totalCalls = 0;
  for (let b = 0; b < BATCHES; b++) {
    const bodies: NotificationMessage[] = Array.from({ length: 100 }, (_, i) =>
      message(users[i % users.length]!, {
        channels: ['EMAIL', 'SMS', 'PUSH', 'IN_APP'],
        priority: i % 10 === 0 ? 'HIGH' : 'NORMAL',
      }),
    );
    const counter = countDataApiCalls();
    const t0 = performance.now();
    const result = await consume(bodies.map((body) => ({ body })));
    const ms = performance.now() - t0;
    counter.restore();
    const acked = result.explicitAcks.length;
    totalMs += ms;
    totalMessages += acked;
    totalCalls += counter.calls;
    rows.push(
      `| batch ${b + 1} | ${acked} of 100 (${result.retryMessages.length} retried) | ${ms.toFixed(0)} | ${((acked * 1000) / ms).toFixed(1)} | ${(counter.calls / 100).toFixed(2)} |`,
    );
  }

  // Live feed: one socket, 100 notifications one after another; time from handing the message
  // to the consumer until it is on the socket.
  const user = users[0]!;
  const res = await exports.default.fetch(
    new Request('http://localhost/api/v1/notifications/stream', {
      headers: { upgrade: 'websocket', authorization: `Bearer ${user.accessToken}` },
    }),
  );
  const ws = res.webSocket!;
  ws.accept();
  const arrivals = new Map<string, number>();
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(String(e.data)) as { type: string; notification?: { title: string } };
    if (m.type === 'notification') arrivals.set(m.notification!.title, performance.now());
  });
  const latencies: number[] = [];
  for (let i = 0; i < 100; i++) {
    const title = `bench ${i} ${crypto.randomUUID()}`;
    const t0 = performance.now();
    await consume([{ body: message(user, { type: 'BENCH_NOTICE', channels: ['IN_APP'], title, message: 'x' }) }]);
    while (!arrivals.has(title)) await new Promise((r) => setTimeout(r, 1));
    latencies.push(arrivals.get(title)! - t0);
  }
  ws.close(1000);
  latencies.sort((a, b) => a - b);

  console.log(
    [
      '',
      '| batch | delivered | ms | delivered/s | Data API calls / message |',
      '|---|---:|---:|---:|---:|',
      ...rows,
      `| **all** | ${totalMessages} | ${totalMs.toFixed(0)} | **${((totalMessages * 1000) / totalMs).toFixed(1)}** | **${(totalCalls / totalMessages).toFixed(2)}** |`,
      '',
      `live feed, 100 notifications (consumer -> socket): p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
      '',
    ].join('\n'),
  );
});
