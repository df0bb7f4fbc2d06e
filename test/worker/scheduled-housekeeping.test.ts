/** The cron handler (src/index.ts `scheduled`): expired notifications go (the fallback for a TTL index). */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe, expect, it } from 'vitest';

import worker from '../../src/index.ts';
import { testStores } from './stores.ts';

const stores = testStores();
const mongo = stores.mongo();
afterAll(() => stores.close());

describe('scheduled housekeeping', () => {
  it('purges expired notifications (the TTL fallback) and keeps the others', async () => {
    const tenantId = crypto.randomUUID();
    const now = Date.now();
    await mongo.collection('notifications').insertMany([
      {
        tenantId,
        eventId: 'old',
        userId: 'u',
        expiresAt: new Date(now - 60_000),
        createdAt: new Date(now - 86_400_000),
      },
      { tenantId, eventId: 'new', userId: 'u', expiresAt: new Date(now + 86_400_000), createdAt: new Date(now) },
    ]);
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: '*/15 * * * *', scheduledTime: now }), env, ctx);
    await waitOnExecutionContext(ctx);
    const left = await mongo.collection<{ eventId: string }>('notifications').find({ tenantId });
    expect(left.map((n) => n.eventId)).toEqual(['new']);
  });
});
