import { neon, neonConfig, type NeonQueryFunction, type NeonQueryPromise } from '@neondatabase/serverless';
import { drizzle, type NeonHttpDatabase } from 'drizzle-orm/neon-http';

import * as schema from './schema/index.ts';
import { APP_ROLE, tenantSetting } from './tenant-tx.ts';

/**
 * Reads over Neon's HTTP path: each statement travels as ONE HTTPS request (`POST /sql`, the
 * `sql.transaction([...])` of @neondatabase/serverless) holding a whole transaction:
 * `SET LOCAL ROLE`, the tenant setting and the statement, read-only. No WebSocket, no
 * PostgreSQL startup, no BEGIN or COMMIT of their own: one round trip where the WebSocket
 * path pays five (WebSocket upgrade, startup, BEGIN + settings, the statement, COMMIT).
 *
 * Only for read-only units of work. A unit of work with several statements sends one request
 * per statement, each its own transaction: under READ COMMITTED (the default) every statement
 * of a transaction takes its own snapshot anyway, so a reader sees nothing it could not have
 * seen in one transaction; writes keep `inTenantTx`, whose statements must commit together.
 *
 * Where: Neon answers at `https://api.<host>/sql` (the driver's default); a local PostgreSQL
 * has no such endpoint, so development and tests run scripts/lib/pg-http.ts, which speaks the
 * same protocol, and name it in PG_HTTP_ENDPOINT. Without either, reads stay on the
 * WebSocket path (see `httpReadsEnabled`).
 */
type NeonQuery = NeonQueryPromise<false, false>;
export type HttpDatabase = NeonHttpDatabase<typeof schema>;

let endpointConfigured: string | undefined;

function configureEndpoint(endpoint: string | undefined): void {
  if (!endpoint || endpoint === endpointConfigured) return;
  neonConfig.fetchEndpoint = endpoint;
  endpointConfigured = endpoint;
}

/** True where an HTTP SQL endpoint answers: a local one named in PG_HTTP_ENDPOINT, or Neon's own. */
export function httpReadsEnabled(connectionString: string, endpoint: string | undefined): boolean {
  if (endpoint) return true;
  try {
    return new URL(connectionString).hostname.endsWith('.neon.tech');
  } catch {
    return false;
  }
}

/** Options of one HTTP transaction. */
export interface HttpTxOptions {
  readOnly: boolean;
}

/**
 * A drizzle database over the HTTP path for one tenant. Each statement awaited on it alone runs
 * as its own transaction (`SET LOCAL ROLE`, the tenant setting, the statement: one request);
 * `db.batch([...])` runs its statements together in ONE transaction, the same way, also one
 * request. `onRequest` counts each request as it is sent, and the function it returns is called
 * when it has answered (the round trips' clock, db/call-clock.ts).
 */
export function tenantHttpDb(
  connectionString: string,
  endpoint: string | undefined,
  tenantId: string,
  opts: HttpTxOptions,
  onRequest: () => () => void,
): HttpDatabase {
  configureEndpoint(endpoint);
  const sql = neon(connectionString);
  const settings = () => [
    sql.query(`set local role ${APP_ROLE}`),
    sql.query(`select set_config('app.current_tenant', $1, true)`, [tenantSetting(tenantId)]),
  ];
  const inTransaction = (queries: NeonQuery[], config?: object) => {
    const answered = onRequest();
    return sql
      .transaction([...settings(), ...queries], { ...config, readOnly: opts.readOnly })
      .finally(answered)
      .then((results) => results.slice(2));
  };
  // drizzle builds each statement with `client.query(...)`, then either awaits it (one statement)
  // or hands the built statements to `client.transaction(...)` (a batch): both carry the settings.
  const client = {
    query: (query: string, params: unknown[], options?: object) => {
      // drizzle's per-query options (array mode, full results) decide how the answer is parsed.
      const inner = sql.query(query, params, options as never);
      return {
        inner,
        then<R1, R2>(resolve: (value: unknown) => R1, reject: (err: unknown) => R2) {
          return inTransaction([inner])
            .then((results) => results[0])
            .then(resolve, reject);
        },
      };
    },
    transaction: (queries: { inner: NeonQuery }[], config?: object) =>
      inTransaction(
        queries.map((q) => q.inner),
        config,
      ),
  };
  return drizzle({ client: client as unknown as NeonQueryFunction<false, false>, schema });
}
