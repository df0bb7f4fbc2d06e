/**
 * The local stack behind the Worker, shared by the test global setup, `npm run dev` and the
 * benchmarks: one PostgreSQL 15 cluster of the local engine (scripts/build-engine.sh; throwaway,
 * or kept in a directory) holding the relational schemas in one database and DocumentDB in
 * another (`ferretdb`), FerretDB v2 in front of DocumentDB (MongoDB wire protocol), the WebSocket
 * proxy the Neon driver talks through, and the Data API gateway in front of FerretDB.
 * A given DATABASE_URL / MONGODB_URI replaces the matching half. Both stores are migrated before
 * this returns.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';

import { DOCUMENTDB_DATABASE, DOCUMENTDB_SETTINGS, ensureEngine, FERRETDB_VERSION } from './engine.ts';
import { startFerretDb } from './ferretdb.ts';
import { startGateway } from './gateway.ts';
import { migrateMongo } from './mongo-migrate.ts';
import { migratePostgres } from './pg-migrate.ts';
import { startPostgres, type PostgresServer } from './pg-server.ts';
import { generateSecrets, type LocalSecrets } from './secrets.ts';
import { StackSetupError } from './setup-error.ts';
import { startWsProxy } from './ws-proxy.ts';

export { StackSetupError };

/** `server`: a database of the local cluster. */
export type PostgresChoice = { kind: 'server' } | { kind: 'url'; url: string };
/** FerretDB v2 on the stack's cluster (or, with a given DATABASE_URL, on a cluster of its own). */
export type MongoChoice = { kind: 'ferretdb' } | { kind: 'uri'; uri: string };

export interface StackOptions {
  postgres: PostgresChoice;
  mongo: MongoChoice;
  /** Keep the local cluster (`<stateDir>/postgres`) and FerretDB's state here; without it, throwaway. */
  stateDir?: string;
  database?: string;
  gatewayPort?: number;
  /** Signing and encryption keys; generated when not given. */
  secrets?: LocalSecrets;
  log?: (line: string) => void;
}

/** What the Worker needs, as its bindings. */
export interface StackBindings extends LocalSecrets, Record<string, string> {
  DATABASE_URL: string;
  PG_WS_PROXY: string;
  MONGO_DATA_API_URL: string;
  MONGO_DATA_API_KEY: string;
  MONGO_DATABASE: string;
}

export interface Stack {
  bindings: StackBindings;
  /** Owner (migration) connection string, for tooling; never given to the Worker. */
  ownerDatabaseUrl: string;
  mongoUri: string;
  stop(): Promise<void>;
}

const APP_LOGIN_ROLE = 'ecommerce_app_login';

function withCredentials(url: string, user: string, password: string, database?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  if (database) u.pathname = '/' + database;
  return u.toString();
}

async function ensureDatabase(ownerUrl: string, database: string): Promise<string> {
  const sql = postgres(ownerUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await sql.unsafe(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await sql.end();
  }
  const u = new URL(ownerUrl);
  u.pathname = '/' + database;
  return u.toString();
}

/**
 * A given DATABASE_URL whose database does not exist yet: create it when the login
 * may (through the server's `postgres` database), otherwise say what to do.
 */
async function ensureDatabaseOfUrl(url: string, log: (line: string) => void): Promise<string> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1)) || 'postgres';
  const probe = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  try {
    await probe`select 1`;
    return url;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '3D000') {
      throw new StackSetupError(`cannot connect to DATABASE_URL (${new URL(url).host}): ${(err as Error).message}`);
    }
  } finally {
    await probe.end({ timeout: 1 }).catch(() => {});
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  try {
    await ensureDatabase(maintenance.toString(), database);
    log(`postgres      created database "${database}"`);
    return url;
  } catch (err) {
    throw new StackSetupError(
      `database "${database}" does not exist and this login cannot create it (${(err as Error).message}): ` +
        `run \`createdb ${database}\` as a privileged user, or point DATABASE_URL at an existing database`,
    );
  }
}

/** Creates DocumentDB in its database of the local cluster (idempotent); returns that database's URL. */
async function prepareDocumentDb(clusterUrl: string): Promise<string> {
  const url = await ensureDatabase(clusterUrl, DOCUMENTDB_DATABASE);
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe('create extension if not exists documentdb cascade');
    await sql.unsafe('create extension if not exists documentdb_extended_rum');
    // A kept cluster (.dev) made by an older build of the engine: its SQL objects follow the libraries.
    for (const ext of ['documentdb_core', 'documentdb', 'documentdb_extended_rum'])
      await sql.unsafe(`alter extension ${ext} update`);
  } finally {
    await sql.end();
  }
  return url;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const database = opts.database ?? 'ecommerce';
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    // The local cluster: the relational database unless DATABASE_URL is given, DocumentDB
    // unless MONGODB_URI is given.
    const documentDb = opts.mongo.kind === 'ferretdb';
    let cluster: PostgresServer | undefined;
    if (opts.postgres.kind === 'server' || documentDb) {
      const engine = documentDb ? await ensureEngine() : undefined;
      cluster = await startPostgres({
        binDir: engine?.pgBinDir,
        dataDir: opts.stateDir ? join(opts.stateDir, 'postgres') : undefined,
        settings: documentDb ? DOCUMENTDB_SETTINGS : {},
      });
      stops.push(() => cluster!.stop());
    }
    const [ownerDatabaseUrl, documentDbUrl] = await Promise.all([
      opts.postgres.kind === 'url'
        ? ensureDatabaseOfUrl(opts.postgres.url, log)
        : ensureDatabase(cluster!.url, database),
      documentDb ? prepareDocumentDb(cluster!.url) : undefined,
    ]);
    const where = opts.stateDir ? `data in ${join(opts.stateDir, 'postgres')}` : 'throwaway';
    if (opts.postgres.kind === 'url') log(`postgres      ${new URL(ownerDatabaseUrl).host} (given DATABASE_URL)`);
    else log(`postgres      ${ownerDatabaseUrl} (local cluster, ${where})`);

    // The two stores are migrated side by side: FerretDB starts while PostgreSQL is migrated.
    const appPassword = randomBytes(18).toString('base64url');
    const relational = migratePostgres({
      url: ownerDatabaseUrl,
      appUser: { name: APP_LOGIN_ROLE, password: appPassword },
    }).catch((err: unknown) => {
      // A login that may not create roles/schemas is a setup problem, not a crash.
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === '42501') {
        throw new StackSetupError(
          `migrating PostgreSQL failed: ${cause.message}. DATABASE_URL must be an owner login with CREATEROLE (the app's own login role is created from it)`,
        );
      }
      throw err;
    });
    const documents = (async () => {
      if (!documentDbUrl) return { uri: (opts.mongo as { uri: string }).uri };
      const ferret = await startFerretDb({
        postgresqlUrl: documentDbUrl,
        stateDir: opts.stateDir ? join(opts.stateDir, 'ferretdb-state') : undefined,
        onLog: (line) => log(`ferretdb: ${line}`),
      });
      stops.push(() => ferret.stop());
      return ferret;
    })().then(async (server) => {
      const migrated = await migrateMongo({ uri: server.uri, database });
      return { ...server, skipped: migrated.skipped };
    });
    const [, mongo] = await Promise.allSettled([relational, documents]).then((results) => {
      for (const r of results) if (r.status === 'rejected') throw r.reason;
      return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [void, Awaited<typeof documents>];
    });
    const databaseUrl = withCredentials(ownerDatabaseUrl, APP_LOGIN_ROLE, appPassword);
    if (documentDbUrl)
      log(`ferretdb      ${mongo.uri} (FerretDB ${FERRETDB_VERSION} on DocumentDB, database "${DOCUMENTDB_DATABASE}")`);
    else log('mongodb       (given MONGODB_URI)');
    for (const s of mongo.skipped) log(`mongo migration ${s.id}: not supported by this server, skipped (${s.reason})`);
    const mongoUri = mongo.uri;

    const proxy = await startWsProxy();
    stops.push(() => proxy.stop());
    log(`ws proxy      ${proxy.url}`);
    const apiKey = randomBytes(24).toString('base64url');
    const gateway = await startGateway({ mongoUri, apiKey, port: opts.gatewayPort });
    stops.push(() => gateway.stop());
    log(`data api      ${gateway.url}`);

    return {
      bindings: {
        DATABASE_URL: databaseUrl,
        PG_WS_PROXY: proxy.hostPort,
        MONGO_DATA_API_URL: gateway.url,
        MONGO_DATA_API_KEY: apiKey,
        MONGO_DATABASE: database,
        ...(opts.secrets ?? (await generateSecrets())),
      },
      ownerDatabaseUrl,
      mongoUri,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
