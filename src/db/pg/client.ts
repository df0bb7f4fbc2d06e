import { AsyncLocalStorage } from 'node:async_hooks';
import { neonConfig, Pool, type PoolClient } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';

import type { CallClock } from '../call-clock.ts';
import { httpReadsEnabled, tenantHttpDb, type HttpDatabase, type HttpTxOptions } from './http.ts';
import * as schema from './schema/index.ts';

export type Database = NeonDatabase<typeof schema> & { $client: Pool };
/** What a unit of work runs against inside `inTenantTx`: the same API as `Database`, bound to one connection. */
export type Transaction = NeonDatabase<typeof schema>;

export interface PgHandle {
  db: Database;
  pool: Pool;
  /** Statements sent so far (each one a round trip to the server), for budgets and logs. */
  readonly queries: number;
  /** Connections opened so far (each a WebSocket upgrade plus PostgreSQL startup and authentication). */
  readonly connects: number;
  /** Requests sent over the HTTP path so far (each one round trip, see http.ts). */
  readonly httpRequests: number;
  /** A database for a tenant over the HTTP path, or undefined where none answers (see `inTenantRead`, `inTenantBatch`). */
  http(tenantId: string, opts: HttpTxOptions): HttpDatabase | undefined;
  /** Connections asked for while a transaction of the same unit of work held one (should stay 0). */
  readonly nestedConnections: number;
  close(): Promise<void>;
}

/**
 * One unit of work, one connection. `inTenantTx` runs its work inside `openTransaction`; a
 * connection asked for from any pool while that transaction is open (a nested `inTenantTx`, or
 * a query on the pool instead of on `tx`) is a second connection held at the same time. On a
 * server that serves connections one at a time (the embedded PGlite server `npm run dev` used before PostgreSQL 15), or with the pool exhausted, it waits for
 * the first, which waits for it: the request hangs until its timeout. Such a request is refused
 * at once where `nested` is 'throw' (development and tests) and logged in production.
 */
export const openTransaction = new AsyncLocalStorage<{ open: boolean }>();

export type NestedConnectionPolicy = 'throw' | 'log';

export class NestedConnectionError extends Error {
  constructor() {
    super(
      'A second PostgreSQL connection was requested while a transaction of the same unit of work holds one: ' +
        'run the statement on that transaction (one unit of work, one connection).',
    );
    this.name = 'NestedConnectionError';
  }
}

let proxyConfigured: string | undefined;

/**
 * Local PostgreSQL has no WebSocket endpoint: route the Neon driver through our
 * WebSocket-to-TCP proxy (scripts/lib/ws-proxy.ts). Against Neon this stays unset.
 */
function configureProxy(proxy: string | undefined): void {
  if (!proxy || proxy === proxyConfigured) return;
  neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineTLS = false;
  neonConfig.pipelineConnect = false;
  // The driver coalesces writes in a timer; a write to a socket that closed meanwhile then
  // throws there, uncaught, and the query never settles. Written at once, it rejects.
  neonConfig.coalesceWrites = false;
  proxyConfigured = proxy;
}

/**
 * Opens a pool for one request. Workers cannot share sockets between requests,
 * so each request gets its own pool, ended when the response is done.
 */
export function openPg(
  connectionString: string,
  wsProxy?: string,
  opts: {
    connectTimeoutMs?: number;
    nested?: NestedConnectionPolicy;
    httpEndpoint?: string;
    /** When each statement or HTTP request was in flight (round trips on the critical path). */
    clock?: CallClock;
  } = {},
): PgHandle {
  configureProxy(wsProxy);
  const pool = new Pool({ connectionString, max: 4, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000 });
  // A broken idle connection must not crash the isolate.
  pool.on('error', () => {});
  // Every checkout goes through connect(): transactions, and pooled queries (pool.query calls this.connect).
  let nestedConnections = 0;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { connect: (...args: unknown[]) => unknown }).connect = (...args: unknown[]) => {
    if (openTransaction.getStore()?.open) {
      nestedConnections++;
      const err = new NestedConnectionError();
      if (opts.nested === 'throw') {
        const callback = args.find((a) => typeof a === 'function') as ((e: Error) => void) | undefined;
        if (callback) return void queueMicrotask(() => callback(err));
        return Promise.reject(err);
      }
      console.error(JSON.stringify({ level: 'error', msg: err.message, stack: err.stack }));
    }
    return connect(...args);
  };
  // Every statement goes through a client's query(), pooled or in a transaction.
  let queries = 0;
  let connects = 0;
  pool.on('connect', (client: PoolClient) => {
    connects++;
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      queries++;
      const answered = opts.clock?.begin() ?? (() => {});
      const result = query(...args);
      if (result instanceof Promise) result.then(answered, answered);
      else answered(); // the callback form (the pool's own use): counted as one after the other
      return result;
    };
  });
  const db = drizzle({ client: pool, schema });
  let closed = false;
  let httpRequests = 0;
  const http = httpReadsEnabled(connectionString, opts.httpEndpoint);
  return {
    db,
    pool,
    get httpRequests() {
      return httpRequests;
    },
    http: (tenantId, txOpts) =>
      http
        ? tenantHttpDb(connectionString, opts.httpEndpoint, tenantId, txOpts, () => {
            httpRequests++;
            return opts.clock?.begin() ?? (() => {});
          })
        : undefined,
    get queries() {
      return queries;
    },
    get connects() {
      return connects;
    },
    get nestedConnections() {
      return nestedConnections;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => {});
    },
  };
}
