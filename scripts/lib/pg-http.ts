/**
 * Neon's HTTP SQL endpoint for local PostgreSQL, the counterpart of ws-proxy.ts for the
 * driver's HTTP mode (`neon(...)`, `sql.transaction([...])`), so that development and the tests
 * run the Worker's HTTP read path (src/db/pg/http.ts) against a real PostgreSQL.
 *
 * The protocol, as @neondatabase/serverless 1.x sends it (`neonConfig.fetchEndpoint`):
 *   POST /sql
 *   Neon-Connection-String: postgresql://user:password@host:port/db   (only loopback hosts here)
 *   Neon-Raw-Text-Output: true, Neon-Array-Mode: true
 *   Neon-Batch-Isolation-Level / Neon-Batch-Read-Only / Neon-Batch-Deferrable (batches only)
 *   body {query, params} or {queries: [{query, params}, ...]}: params already in PostgreSQL's
 *   text form (strings, "\x.." for bytea) or null
 *   200 -> {command, rowCount, fields: [{name, dataTypeID, ...}], rows: [[text | null, ...]], rowAsArray}
 *         or {results: [that, ...]} for a batch, which runs in ONE transaction
 *   400 -> {message, code, detail, hint, position, table, column, constraint, ...} (a PostgreSQL error)
 *
 * Values go to PostgreSQL as text, as the driver sent them, and come back as text: the driver
 * parses them by type OID, as it does Neon's answers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import postgres from 'postgres';

/** `application_name` of the endpoint's own connections to PostgreSQL. */
export const PG_HTTP_APPLICATION_NAME = 'pg-http-endpoint';

const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface PgHttpEndpoint {
  /** http://HOST:PORT/sql, the Worker's PG_HTTP_ENDPOINT. */
  url: string;
  stop(): Promise<void>;
}

interface QueryIn {
  query: string;
  params?: (string | null)[];
}

type Sql = ReturnType<typeof postgres>;

/** Fields of a PostgreSQL error as Neon's endpoint names them, from postgres.js's names. */
const ERROR_FIELDS: Record<string, string> = {
  severity: 'severity',
  code: 'code',
  detail: 'detail',
  hint: 'hint',
  position: 'position',
  internal_position: 'internalPosition',
  internal_query: 'internalQuery',
  where: 'where',
  schema_name: 'schema',
  table_name: 'table',
  column_name: 'column',
  data_type_name: 'dataType',
  constraint_name: 'constraint',
  file: 'file',
  line: 'line',
  routine: 'routine',
};

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function run(sql: Sql | postgres.TransactionSql, q: QueryIn) {
  const result = await sql.unsafe(q.query, (q.params ?? []) as string[]).raw();
  return {
    command: result.command,
    rowCount: result.count ?? result.length,
    rowAsArray: true,
    fields: (result.columns ?? []).map((c) => ({
      name: c.name,
      dataTypeID: c.type,
      tableID: c.table,
      columnID: c.number,
      dataTypeSize: -1,
      dataTypeModifier: -1,
      format: 'text',
    })),
    rows: [...result].map((row) => (row as (Buffer | null)[]).map((v) => (v === null ? null : v.toString('utf8')))),
  };
}

export async function startPgHttpEndpoint(opts: { port?: number; host?: string } = {}): Promise<PgHttpEndpoint> {
  const host = opts.host ?? '127.0.0.1';
  const pools = new Map<string, Sql>();
  const poolFor = (connectionString: string): Sql => {
    let sql = pools.get(connectionString);
    if (!sql) {
      // Named, so that a count of the Worker's own connections can leave this pool (Neon's pooler, locally) out.
      // The driver names itself in the URL (`application_name=pkg:npm/...`); this pool goes by its own name.
      const url = new URL(connectionString);
      url.searchParams.delete('application_name');
      sql = postgres(url.toString(), {
        max: 10,
        onnotice: () => {},
        fetch_types: false,
        idle_timeout: 30,
        connection: { application_name: PG_HTTP_APPLICATION_NAME },
      });
      // The driver sent every value in PostgreSQL's text form already: pass it through as is
      // (postgres.js would otherwise serialize by the parameter's type, e.g. JSON-encode a JSON text again).
      (sql.options as unknown as { serializers: unknown }).serializers = new Proxy(
        {},
        { get: () => (x: unknown) => x },
      );
      pools.set(connectionString, sql);
    }
    return sql;
  };

  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    void (async () => {
      if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== '/sql') {
        return reply(404, { message: 'POST /sql' });
      }
      const connectionString = req.headers['neon-connection-string'];
      let target: URL;
      try {
        target = new URL(String(connectionString));
      } catch {
        return reply(400, { message: 'Neon-Connection-String is missing or not a URL' });
      }
      if (!ALLOWED_HOSTS.has(target.hostname)) return reply(400, { message: 'only loopback databases are served' });
      const payload = JSON.parse(await bodyOf(req)) as QueryIn | { queries: QueryIn[] };
      const sql = poolFor(String(connectionString));
      try {
        if ('queries' in payload) {
          const modes = [
            req.headers['neon-batch-isolation-level']
              ? `isolation level ${String(req.headers['neon-batch-isolation-level'])
                  .replace(/([a-z])([A-Z])/g, '$1 $2')
                  .toLowerCase()}`
              : '',
            req.headers['neon-batch-read-only'] === 'true' ? 'read only' : '',
            req.headers['neon-batch-deferrable'] === 'true' ? 'deferrable' : '',
          ].filter(Boolean);
          const results = await sql.begin(modes.join(' '), async (tx) => {
            const out = [];
            for (const q of payload.queries) out.push(await run(tx, q));
            return out;
          });
          return reply(200, { results });
        }
        return reply(200, await run(sql, payload));
      } catch (err) {
        const e = err as Record<string, unknown> & { message?: string };
        if (typeof e.code !== 'string' || e.severity === undefined) return reply(500, { message: String(e.message) });
        const body: Record<string, unknown> = { message: e.message };
        for (const [from, to] of Object.entries(ERROR_FIELDS)) if (e[from] !== undefined) body[to] = e[from];
        return reply(400, body);
      }
    })().catch((err: Error) => {
      if (!res.headersSent) reply(500, { message: err.message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `http://${host}:${port}/sql`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...pools.values()].map((sql) => sql.end({ timeout: 1 })));
    },
  };
}
