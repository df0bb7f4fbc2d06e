/** Probes the two stores, each with a timeout; a store that fails or is late is `down`. */
import { sql } from 'drizzle-orm';

import type { Stores } from '../../db/stores.ts';
import type { HealthReport, StoreCheck } from './model.ts';

async function timed(probe: () => Promise<unknown>, timeoutMs: number): Promise<StoreCheck> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (err) {
    // Say what kind of failure it was, never connection strings or credentials.
    const error = err instanceof Error ? err.name + (err.message.includes('within') ? ': timeout' : '') : 'Error';
    return { status: 'down', latencyMs: Date.now() - started, error };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** Probes both stores concurrently: one round trip each. */
export async function checkHealth(stores: Stores, timeoutMs: number): Promise<HealthReport> {
  const [postgres, mongo] = await Promise.all([
    timed(() => stores.pg('auth').db.execute(sql`select 1`), timeoutMs),
    timed(() => stores.mongo().collection('_health').findOne({}), timeoutMs),
  ]);
  const ok = postgres.status === 'up' && mongo.status === 'up';
  return { status: ok ? 'ok' : 'degraded', checks: { postgres, mongo } };
}
