/**
 * The local stack behind the Worker, shared by the test global setup and
 * `npm run dev`: PostgreSQL (a throwaway server, embedded PGlite, or a given URL),
 * the WebSocket proxy the Neon driver talks through, a MongoDB-wire server
 * (embedded FerretDB, or a given MONGODB_URI) and the Data API gateway in front of it.
 * Both stores are migrated before this returns.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import postgres from 'postgres';

import { ferretDbDatabaseUrl, tuneFerretDbOnPostgres } from './ferretdb-tuning.ts';
import { startFerretDb } from './ferretdb.ts';
import { startGateway } from './gateway.ts';
import { migrateMongo } from './mongo-migrate.ts';
import { migratePostgres } from './pg-migrate.ts';
import { startPostgres } from './pg-server.ts';
import { freePort } from './ports.ts';
import { generateSecrets, type LocalSecrets } from './secrets.ts';
import { startWsProxy } from './ws-proxy.ts';

export type PostgresChoice = { kind: 'server' } | { kind: 'pglite'; dataDir: string } | { kind: 'url'; url: string };
/** `onPostgres`: FerretDB stores its data in a `ferretdb` database of the stack's PostgreSQL. */
export type MongoChoice = { kind: 'ferretdb'; dataDir?: string; onPostgres?: boolean } | { kind: 'uri'; uri: string };

export interface StackOptions {
  postgres: PostgresChoice;
  mongo: MongoChoice;
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

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startPglite(dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  // PGlite runs one query at a time whatever the number of connections; a generous
  // connection limit lets bursts queue instead of being cut off.
  const child = spawn('pglite-server', ['-p', String(port), '-h', '127.0.0.1', '-m', '200', '-d', dataDir], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // If this process exits without stop() (a signal during start-up), PGlite goes with it.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  const exited = new Promise((r) => child.once('exit', r));
  await waitForPort(port, 30_000);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.off('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
  };
}

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

/** A problem the person starting the stack can fix, said in one line (no stack trace). */
export class StackSetupError extends Error {
  override name = 'StackSetupError';
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

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? (() => {});
  const database = opts.database ?? 'ecommerce';
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };

  try {
    // PostgreSQL
    let ownerDatabaseUrl: string;
    let appCredentials = true;
    if (opts.postgres.kind === 'server') {
      const pg = await startPostgres();
      stops.push(() => pg.stop());
      ownerDatabaseUrl = await ensureDatabase(pg.url, database);
      log(`postgres      ${pg.url.replace(/\/[^/]*$/, '/' + database)}`);
    } else if (opts.postgres.kind === 'pglite') {
      const pg = await startPglite(opts.postgres.dataDir);
      stops.push(() => pg.stop());
      ownerDatabaseUrl = pg.url;
      appCredentials = false; // PGlite serves a single user: RLS is not enforced in this mode
      log(`postgres      ${pg.url} (embedded PGlite, data in ${opts.postgres.dataDir})`);
    } else {
      ownerDatabaseUrl = await ensureDatabaseOfUrl(opts.postgres.url, log);
      log(`postgres      ${new URL(ownerDatabaseUrl).host} (given DATABASE_URL)`);
    }
    const appPassword = randomBytes(18).toString('base64url');
    await migratePostgres({
      url: ownerDatabaseUrl,
      appUser: appCredentials ? { name: APP_LOGIN_ROLE, password: appPassword } : undefined,
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
    const databaseUrl = appCredentials
      ? withCredentials(ownerDatabaseUrl, APP_LOGIN_ROLE, appPassword)
      : ownerDatabaseUrl;
    const proxy = await startWsProxy();
    stops.push(() => proxy.stop());
    log(`ws proxy      ${proxy.url}`);

    // MongoDB
    let mongoUri: string;
    if (opts.mongo.kind === 'ferretdb') {
      const postgresqlUrl = opts.mongo.onPostgres ? await ensureDatabase(ownerDatabaseUrl, 'ferretdb') : undefined;
      const ferret = await startFerretDb({ dataDir: opts.mongo.dataDir, postgresqlUrl });
      stops.push(() => ferret.stop());
      mongoUri = ferret.uri;
      log(`ferretdb      ${ferret.uri}`);
    } else {
      mongoUri = opts.mongo.uri;
      log(`mongodb       (given MONGODB_URI)`);
    }
    const migrated = await migrateMongo({ uri: mongoUri, database });
    for (const s of migrated.skipped) log(`mongo migration ${s.id} skipped: ${s.reason}`);
    if (opts.mongo.kind === 'ferretdb' && opts.mongo.onPostgres)
      await tuneFerretDbOnPostgres(ferretDbDatabaseUrl(ownerDatabaseUrl), database, log);
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
