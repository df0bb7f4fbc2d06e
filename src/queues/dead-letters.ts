import { createStores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Records one dead letter that did not come through a queue (e.g. an order saga whose
 * compensation failed for good), in the same collection, once per (queue, messageId).
 */
export async function recordDeadLetter(
  mongo: ReturnType<ReturnType<typeof createStores>['mongo']>,
  letter: { queue: string; messageId: string; reason: string; body: unknown },
): Promise<void> {
  await mongo
    .collection('dead_letters')
    .updateOne(
      { queue: letter.queue, messageId: letter.messageId },
      { $setOnInsert: { ...letter, firstSeenAt: new Date(), recordedAt: new Date() } },
      { upsert: true },
    );
}

/**
 * Consumer of the dead-letter queues: every message that exhausted its retries is
 * recorded in `dead_letters` (once per message id) for inspection and replay.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env, logger: Logger): Promise<void> {
  const stores = createStores(env);
  try {
    const deadLetters = stores.mongo().collection('dead_letters');
    for (const msg of batch.messages) {
      await deadLetters.updateOne(
        { queue: batch.queue, messageId: msg.id },
        {
          $setOnInsert: {
            queue: batch.queue,
            messageId: msg.id,
            body: msg.body,
            firstSeenAt: msg.timestamp,
            recordedAt: new Date(),
          },
        },
        { upsert: true },
      );
      logger.warn('dead letter recorded', { queue: batch.queue, messageId: msg.id });
      msg.ack();
    }
  } finally {
    await stores.close();
  }
}
