import { sql } from 'drizzle-orm';
import type { Stores } from '../db/stores.ts';

export interface StoreCheck {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: { postgres: StoreCheck; mongo: StoreCheck };
}

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
