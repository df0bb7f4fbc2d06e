/**
 * The local engine: Debian's PostgreSQL 15 with DocumentDB (built from vendor/ by
 * scripts/build-engine.sh) and FerretDB v2 in front of it. `ensureEngine()` runs the build
 * script, which returns in milliseconds on a built machine and builds everything on the first
 * run (output on stderr; minutes). Where it cannot build (not root, not Debian) the script prints
 * what to do, and this throws a StackSetupError.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

import { StackSetupError } from './setup-error.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILD_SCRIPT = join(ROOT, 'scripts/build-engine.sh');
export const FERRETDB_VERSION = 'v2.7.0';

export interface Engine {
  /** Directory of initdb and postgres (PostgreSQL 15). */
  pgBinDir: string;
  /** The FerretDB v2 binary. */
  ferretdb: string;
}

export const ENGINE: Engine = {
  pgBinDir: '/usr/lib/postgresql/15/bin',
  ferretdb: join(ROOT, `.tools/ferretdb-${FERRETDB_VERSION}/ferretdb`),
};

/** The database of the cluster that holds DocumentDB (FerretDB's storage). */
export const DOCUMENTDB_DATABASE = 'ferretdb';

/**
 * Server settings of a cluster that hosts DocumentDB. The relational databases of the same
 * cluster are unaffected: the libraries act only where the extension is created.
 */
export const DOCUMENTDB_SETTINGS: Record<string, string> = {
  shared_preload_libraries: 'pg_cron,pg_documentdb_core,pg_documentdb,pg_documentdb_extended_rum',
  // pg_cron (DocumentDB's TTL task runs as a cron job) lives in one database: DocumentDB's.
  'cron.database_name': DOCUMENTDB_DATABASE,
  // Index-ordered sorts (experimental in DocumentDB 0.107; with vendor/documentdb-unique-fallback.patch,
  // unique indexes fall back to the handler that enforces them). Measured at 100,000 documents,
  // 33,333 matches: a sorted page of 21 in 2.3 ms and a keyset page in 1.3 ms, instead of an
  // in-memory top-N of 380-890 ms (same loaded machine; docs/architecture.md, Data).
  'documentdb.alternate_index_handler_name': 'extended_rum',
  'documentdb.defaultUseCompositeOpClass': 'true',
  'documentdb.enableIndexOrderbyPushdown': 'true',
  // ...but its skip over index keys the filter does not bind loses documents: {tenantId, status,
  // price range} on {tenantId, status, price, _id} found nothing, {tenantId, category.id} on
  // {tenantId, status, category.id, ...} missed 1-6 % (72 of 300 random catalog queries wrong).
  // Off, the same 1,500 queries all answer as MongoDB would (test/node/engine-answers.test.ts).
  'documentdb_rum.enableSkipIntermediateEntry': 'off',
};

let ready: Promise<Engine> | undefined;

/** Builds or checks the engine once per process. */
export function ensureEngine(): Promise<Engine> {
  ready ??= new Promise<Engine>((resolvePromise, reject) => {
    const child = spawn('bash', [BUILD_SCRIPT], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolvePromise(ENGINE);
      else if (code === 2) reject(new StackSetupError('the local engine is not installed (see above)'));
      else
        reject(
          new Error(`scripts/build-engine.sh failed (${signal ?? `exit ${code}`}); its log: .tools/engine-build.log`),
        );
    });
  });
  return ready;
}
