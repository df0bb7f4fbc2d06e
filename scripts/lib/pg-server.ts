/**
 * Throwaway PostgreSQL server for dev and tests (real Postgres, no mocks).
 *
 *   const pg = await startPostgres();          // temp cluster on a free port
 *   ... pg.url  (postgres://postgres@127.0.0.1:PORT/postgres)
 *   await pg.stop();                           // fast shutdown, temp dir removed
 *
 * - Binaries: $PG_BINDIR, else `pg_config --bindir`, else the newest
 *   /usr/lib/postgresql/<major>/bin (must contain initdb and postgres).
 * - Cluster: initdb (superuser `postgres`, trust auth, UTF8, C locale, --no-sync),
 *   server started with fsync/synchronous_commit/full_page_writes off, TimeZone=UTC
 *   (the schema uses `timestamp` without time zone), listening on 127.0.0.1 only,
 *   unix socket in the temp dir.
 * - Root: PostgreSQL refuses to run as root. When process.getuid() === 0, initdb and
 *   postgres are spawned with the uid/gid of the `postgres` OS user (fallback:
 *   `nobody`) via child_process' own uid/gid options (no runuser/su needed), and the
 *   directory is chowned to that user.
 * - opts.dataDir: use (and keep) that directory; initdb only if it holds no cluster
 *   yet. Without it a temp dir is created and removed by stop(). A server left running on
 *   that directory by a launcher that was killed (its parent is gone) is stopped first.
 * - opts.binDir: the binaries to use (the engine's PostgreSQL 15); opts.settings: more
 *   server settings (`-c name=value`), e.g. DocumentDB's preload libraries.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import postgres from 'postgres';

import { freePort } from './ports.ts';
import { StackSetupError } from './setup-error.ts';

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/postgres (superuser, trust auth). */
  url: string;
  port: number;
  stop(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

const hasServerBinaries = (dir: string): boolean =>
  existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));

/** Directory holding initdb and postgres. */
export function findPostgresBinDir(): string {
  const fromEnv = process.env.PG_BINDIR;
  if (fromEnv && hasServerBinaries(fromEnv)) return fromEnv;
  try {
    const dir = execFileSync('pg_config', ['--bindir'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (dir && hasServerBinaries(dir)) return dir;
  } catch {
    // no pg_config on PATH
  }
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const majors = readdirSync(base)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    for (const v of majors) {
      const dir = join(base, v, 'bin');
      if (hasServerBinaries(dir)) return dir;
    }
  }
  throw new Error('PostgreSQL server binaries not found (set PG_BINDIR, or install postgresql)');
}

/** The unprivileged OS user to run the server as when we are root. */
function unprivilegedUser(): RunAs {
  const passwd = readFileSync('/etc/passwd', 'utf8').split('\n');
  for (const name of ['postgres', 'nobody']) {
    const line = passwd.find((l) => l.startsWith(`${name}:`));
    if (!line) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (uid > 0) return { uid, gid, name };
  }
  throw new Error('running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as');
}

/**
 * The server's user must reach its directory: our own ancestors that others cannot search
 * (a mkdtemp directory is 0700) get the search bit only (o+x: no listing, no reading).
 */
function letTraverse(dir: string): void {
  for (let d = dir; ; d = dirname(d)) {
    const st = statSync(d);
    if ((st.mode & 0o001) === 0 && st.uid === process.getuid?.()) chmodSync(d, (st.mode & 0o7777) | 0o001);
    if (d === dirname(d)) return;
  }
}

function chownRecursive(path: string, who: RunAs): void {
  chownSync(path, who.uid, who.gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) chownRecursive(p, who);
    else chownSync(p, who.uid, who.gid);
  }
}

function run(bin: string, args: string[], runAs: RunAs | undefined, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd,
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} ${args.join(' ')} failed (${code ?? signal}):\n${out}`));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface StartPostgresOptions {
  port?: number;
  dataDir?: string;
  binDir?: string;
  settings?: Record<string, string>;
}

export async function startPostgres(opts?: StartPostgresOptions): Promise<PostgresServer> {
  const binDir = opts?.binDir ?? findPostgresBinDir();
  const runAs = process.getuid?.() === 0 ? unprivilegedUser() : undefined;

  // Layout: <root>/data (cluster, 0700) and <root> as unix socket directory.
  const ownsDir = !opts?.dataDir;
  const root = opts?.dataDir ?? mkdtempSync(join(runAs ? '/tmp' : tmpdir(), 'pg-'));
  mkdirSync(root, { recursive: true });
  const dataDir = join(root, 'data');
  if (runAs && statSync(root).uid !== runAs.uid) chownRecursive(root, runAs);
  if (runAs) letTraverse(dirname(root));
  chmodSync(root, 0o700);

  const cleanup = () => {
    if (ownsDir) rmSync(root, { recursive: true, force: true });
  };

  try {
    if (!ownsDir) {
      if (existsSync(join(dataDir, 'postmaster.pid'))) await stopOrphanedServer(root, dataDir);
      writeFileSync(join(root, 'launcher.pid'), String(process.pid));
    }
    if (!existsSync(join(dataDir, 'PG_VERSION'))) {
      await run(
        join(binDir, 'initdb'),
        ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
        runAs,
        root,
      );
    }
  } catch (err) {
    cleanup();
    throw err;
  }

  // A port picked by freePort() can be taken by someone else before postgres binds
  // it: retry with a new one (only when the caller did not ask for a port).
  for (let attempt = 0; ; attempt++) {
    const port = opts?.port ?? (await freePort());
    try {
      const child = await launch(binDir, dataDir, root, port, runAs, opts?.settings ?? {});
      return makeHandle(child, port, cleanup);
    } catch (err) {
      if (opts?.port !== undefined || attempt >= 4 || !/could not (bind|create listen)/i.test(String(err))) {
        cleanup();
        throw err;
      }
    }
  }
}

/**
 * A postmaster.pid naming a live process: a server of an earlier launcher. Stopped when that
 * launcher is gone (killed with SIGKILL, it could not stop its server); an error when the
 * launcher still runs (two `npm run dev` on one state directory). launcher.pid names it.
 */
async function stopOrphanedServer(root: string, dataDir: string): Promise<void> {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return; // stale file: postgres handles it
  const launcher = Number(
    existsSync(join(root, 'launcher.pid')) ? readFileSync(join(root, 'launcher.pid'), 'utf8') : 0,
  );
  if (launcher > 0 && launcher !== process.pid && isAlive(launcher)) {
    throw new StackSetupError(
      `a PostgreSQL server (pid ${pid}) already runs on ${dataDir} for another launcher (pid ${launcher}): stop that one first`,
    );
  }
  process.kill(pid, 'SIGINT'); // fast shutdown
  const deadline = Date.now() + 15_000;
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGQUIT');
    await sleep(100);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function launch(
  binDir: string,
  dataDir: string,
  socketDir: string,
  port: number,
  runAs: RunAs | undefined,
  settings: Record<string, string>,
) {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    socketDir,
    '-h',
    '127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'TimeZone=UTC',
    '-c',
    'max_connections=200',
    '-c',
    'logging_collector=off',
    ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ];
  const child = spawn(join(binDir, 'postgres'), args, {
    cwd: socketDir,
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-16_384);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = String(code ?? signal)));
  child.once('error', (e) => (exited = e.message));

  // Kill the server if this process dies without calling stop().
  const onExit = () => child.kill('SIGQUIT');
  process.once('exit', onExit);
  child.once('exit', () => process.removeListener('exit', onExit));

  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  while (true) {
    if (exited !== undefined) throw new Error(`postgres exited (${exited}) before accepting connections:\n${log}`);
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      await sql.end({ timeout: 1 });
      return child;
    } catch {
      await sql.end({ timeout: 0 }).catch(() => {});
    }
    if (Date.now() > deadline) {
      child.kill('SIGQUIT');
      throw new Error(`postgres did not accept connections on port ${port} within 30s:\n${log}`);
    }
    await sleep(100);
  }
}

function makeHandle(child: ChildProcess, port: number, cleanup: () => void): PostgresServer {
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const gone = new Promise<void>((r) => child.once('exit', () => r()));
          child.kill('SIGINT'); // "fast" shutdown: abort sessions, clean checkpoint
          const t = setTimeout(() => child.kill('SIGQUIT'), 10_000); // "immediate"
          await gone;
          clearTimeout(t);
        }
        cleanup();
      })();
      return stopping;
    },
  };
}
