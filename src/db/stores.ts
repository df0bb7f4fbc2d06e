import type { Env } from '../env.ts';
import { configWithDefaults } from '../lib/config.ts';
import { createCallClock } from './call-clock.ts';
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
  /** Round trips so far: PostgreSQL connections and statements, Data API calls, payment provider calls. */
  usage(): StoreUsage;
  /** Counts one call to the payment provider (a round trip to a third party), see payments/providers; call the result when it answered. */
  countProviderCall(): () => void;
  close(): Promise<void>;
}

/**
 * Round trips of one PostgreSQL connection setup: the WebSocket upgrade, then the startup message
 * answered by AuthenticationOk + ReadyForQuery (local trust auth; Neon's `pipelineConnect:
 * 'password'` sends the password with the startup message, also one). Measured: see
 * docs/performance.md, "Round trips".
 */
export const PG_CONNECT_ROUND_TRIPS = 2;

export interface StoreUsage {
  /** PostgreSQL connections opened (each PG_CONNECT_ROUND_TRIPS round trips). */
  pgConnects?: number;
  /** PostgreSQL messages that waited for an answer (one per statement or batch of statements). */
  pgQueries: number;
  /** Requests over PostgreSQL's HTTP path (each one statement in its own transaction, one round trip). */
  pgHttp?: number;
  /** Connections asked for while a transaction of the same unit of work held one (see pg/client.ts); 0 in a sound request. */
  pgNestedConnections?: number;
  dataApiCalls: number;
  /** Calls to the payment provider. */
  providerCalls?: number;
  /**
   * Round trips not on the critical path: calls sent while others were in flight, which cost no
   * latency of their own (db/call-clock.ts). Connection setups are counted one after the other.
   */
  overlapped?: number;
}

/**
 * Round trips on the critical path: connection setups, PostgreSQL messages, Data API and provider
 * calls, less those sent while others were in flight (`overlapped`).
 */
export function roundTripsOf(u: StoreUsage): number {
  return (
    (u.pgConnects ?? 0) * PG_CONNECT_ROUND_TRIPS +
    u.pgQueries +
    (u.pgHttp ?? 0) +
    u.dataApiCalls +
    (u.providerCalls ?? 0) -
    (u.overlapped ?? 0)
  );
}

/** `after - before`, field by field (a saga step's share of its object's stores). */
export function usageSince(before: StoreUsage, after: StoreUsage): StoreUsage {
  return {
    pgConnects: (after.pgConnects ?? 0) - (before.pgConnects ?? 0),
    pgQueries: after.pgQueries - before.pgQueries,
    pgHttp: (after.pgHttp ?? 0) - (before.pgHttp ?? 0),
    dataApiCalls: after.dataApiCalls - before.dataApiCalls,
    providerCalls: (after.providerCalls ?? 0) - (before.providerCalls ?? 0),
    // Additive where nothing was in flight at `before` (between two saga steps).
    overlapped: (after.overlapped ?? 0) - (before.overlapped ?? 0),
  };
}

export function createStores(env: Env): Stores {
  const pools = new Map<string, PgHandle>();
  // Closed handles still count: the saga's object closes its stores between steps.
  const closed: PgHandle[] = [];
  let mongo: DataApiClient | undefined;
  let providerCalls = 0;
  const clock = createCallClock();
  // With defaults for bad vars: health, which reports them, reaches the stores through here.
  const timeoutMs = configWithDefaults(env).storeTimeoutMs;
  // One unit of work, one connection: a second one while a transaction is open fails fast outside production.
  const nested = env.ENVIRONMENT === 'production' ? 'log' : 'throw';
  return {
    pg(service) {
      const url = pgUrlFor(env, service);
      let handle = pools.get(url);
      if (!handle) {
        handle = openPg(url, env.PG_WS_PROXY, {
          connectTimeoutMs: timeoutMs,
          nested,
          httpEndpoint: env.PG_HTTP_ENDPOINT,
          clock,
        });
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
        clock,
      });
      return mongo;
    },
    usage() {
      let pgQueries = 0;
      let pgConnects = 0;
      let pgHttp = 0;
      let pgNestedConnections = 0;
      for (const handle of [...closed, ...pools.values()]) {
        pgQueries += handle.queries;
        pgConnects += handle.connects;
        pgHttp += handle.httpRequests;
        pgNestedConnections += handle.nestedConnections;
      }
      return {
        pgConnects,
        pgQueries,
        pgHttp,
        pgNestedConnections,
        dataApiCalls: mongo?.stats.calls ?? 0,
        providerCalls,
        overlapped: clock.overlapped(),
      };
    },
    countProviderCall() {
      providerCalls++;
      return clock.begin();
    },
    async close() {
      const handles = [...pools.values()];
      closed.push(...handles);
      pools.clear();
      await Promise.all(handles.map((h) => h.close()));
    },
  };
}
