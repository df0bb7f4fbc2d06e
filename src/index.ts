import { createApp } from './app.ts';
import { createStores } from './db/stores.ts';
import type { Env } from './env.ts';
import { createLogger, errorFields } from './lib/logger.ts';
import { consumeDeadLetters } from './queues/dead-letters.ts';
import { consumeNotifications } from './queues/notifications.ts';
import { consumeRatingUpdates } from './queues/rating-updates.ts';
import { purgeExpiredNotifications } from './services/notifications/index.ts';
import { sweepSagaStarts } from './services/orders/index.ts';

export { Cart } from './durable/cart.ts';
export { NotificationFeed } from './durable/notification-feed.ts';
export { OrderSaga } from './durable/order-saga.ts';

export type { AppType } from './app.ts';

const app = createApp();

/** wrangler.toml `[triggers] crons`: this one sweeps saga starts; the other is housekeeping. */
const SAGA_SWEEP_CRON = '* * * * *';

type Consumer = (batch: MessageBatch<unknown>, env: Env, logger: ReturnType<typeof createLogger>) => Promise<void>;

/** Queue name -> consumer. Dead-letter queues end in `-dlq`. */
const CONSUMERS: Record<string, Consumer> = {
  notifications: consumeNotifications,
  'rating-updates': consumeRatingUpdates,
  'notifications-dlq': consumeDeadLetters,
  'rating-updates-dlq': consumeDeadLetters,
};

export default {
  fetch: app.fetch,

  async queue(batch, env, _ctx) {
    const logger = createLogger(env.LOG_LEVEL, { queue: batch.queue });
    const consumer = CONSUMERS[batch.queue];
    if (!consumer) {
      logger.error('no consumer for queue; retrying batch', { size: batch.messages.length });
      batch.retryAll();
      return;
    }
    await consumer(batch, env, logger);
  },

  async scheduled(controller, env, ctx) {
    const logger = createLogger(env.LOG_LEVEL, { cron: controller.cron });
    const stores = createStores(env);
    if (controller.cron === SAGA_SWEEP_CRON) {
      // Orders whose saga never started (see services/orders/sweeper.ts).
      const sweep = sweepSagaStarts({ env, stores, logger })
        .catch((err) => logger.error('saga sweep failed', errorFields(err)))
        .finally(() => stores.close());
      ctx.waitUntil(sweep);
      return;
    }
    const work = purgeExpiredNotifications({ stores })
      .then((purged) => logger.info('housekeeping done', { purgedNotifications: purged }))
      .catch((err) => logger.error('housekeeping failed', errorFields(err)))
      .finally(() => stores.close());
    ctx.waitUntil(work);
  },
} satisfies ExportedHandler<Env, unknown>;
