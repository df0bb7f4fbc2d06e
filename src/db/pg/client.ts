import { neonConfig, Pool, type PoolClient } from '@neondatabase/serverless';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';

import * as schema from './schema/index.ts';

export type Database = NeonDatabase<typeof schema> & { $client: Pool };
/** What a unit of work runs against inside `inTenantTx`: the same API as `Database`, bound to one connection. */
export type Transaction = NeonDatabase<typeof schema>;

export interface PgHandle {
  db: Database;
  pool: Pool;
  /** Statements sent so far (each one a round trip to the server), for budgets and logs. */
  readonly queries: number;
  close(): Promise<void>;
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
export function openPg(connectionString: string, wsProxy?: string, opts: { connectTimeoutMs?: number } = {}): PgHandle {
  configureProxy(wsProxy);
  const pool = new Pool({ connectionString, max: 4, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000 });
  // A broken idle connection must not crash the isolate.
  pool.on('error', () => {});
  // Every statement goes through a client's query(), pooled or in a transaction.
  let queries = 0;
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      queries++;
      return query(...args);
    };
  });
  const db = drizzle({ client: pool, schema });
  let closed = false;
  return {
    db,
    pool,
    get queries() {
      return queries;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end().catch(() => {});
    },
  };
}
