import { createStores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import type { Logger } from '../lib/logger.ts';

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
