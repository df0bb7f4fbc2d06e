import type { Env } from '../env.ts';
import { configWithDefaults } from '../lib/config.ts';
import { createDataApiClient, type DataApiClient } from './mongo/client.ts';
import { openPg, type PgHandle } from './pg/client.ts';

/** Which Postgres service a caller belongs to; each may have its own database. */
export type PgService = 'auth' | 'users' | 'orders' | 'payments';

const URL_BY_SERVICE: Record<PgService, keyof Env> = {
  auth: 'AUTH_DATABASE_URL',
  users: 'USERS_DATABASE_URL',
  orders: 'ORDERS_DATABASE_URL',
  payments: 'PAYMENTS_DATABASE_URL',
};

function pgUrlFor(env: Env, service: PgService): string {
  return (env[URL_BY_SERVICE[service]] as string | undefined) || env.DATABASE_URL;
}

/**
 * Connections of one request (or one queue batch), opened on first use and closed
 * together at the end. Services sharing a database share one pool.
 */
export interface Stores {
  pg(service: PgService): PgHandle;
  mongo(): DataApiClient;
  /** Round trips so far: PostgreSQL statements and Data API calls. */
  usage(): StoreUsage;
  close(): Promise<void>;
}

export interface StoreUsage {
  pgQueries: number;
  /** Connections asked for while a transaction of the same unit of work held one (see pg/client.ts); 0 in a sound request. */
  pgNestedConnections?: number;
  dataApiCalls: number;
}

export function createStores(env: Env): Stores {
  const pools = new Map<string, PgHandle>();
  let mongo: DataApiClient | undefined;
  // With defaults for bad vars: health, which reports them, reaches the stores through here.
  const timeoutMs = configWithDefaults(env).storeTimeoutMs;
  // One unit of work, one connection: a second one while a transaction is open fails fast outside production.
  const nested = env.ENVIRONMENT === 'production' ? 'log' : 'throw';
  return {
    pg(service) {
      const url = pgUrlFor(env, service);
      let handle = pools.get(url);
      if (!handle) {
        handle = openPg(url, env.PG_WS_PROXY, { connectTimeoutMs: timeoutMs, nested });
        pools.set(url, handle);
      }
      return handle;
    },
    mongo() {
      mongo ??= createDataApiClient({
        baseUrl: env.MONGO_DATA_API_URL,
        apiKey: env.MONGO_DATA_API_KEY,
        dataSource: env.MONGO_DATA_SOURCE,
        database: env.MONGO_DATABASE,
        timeoutMs,
      });
      return mongo;
    },
    usage() {
      let pgQueries = 0;
      let pgNestedConnections = 0;
      for (const handle of pools.values()) {
        pgQueries += handle.queries;
        pgNestedConnections += handle.nestedConnections;
      }
      return { pgQueries, pgNestedConnections, dataApiCalls: mongo?.stats.calls ?? 0 };
    },
    async close() {
      const handles = [...pools.values()];
      pools.clear();
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
