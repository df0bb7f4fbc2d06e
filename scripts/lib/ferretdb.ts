/**
 * Runs the embedded FerretDB (gateway/ferretdb, a MongoDB-wire server on SQLite) as a
 * child process, for tests and the dev launcher. Builds it first with
 * scripts/build-ferretdb.sh when the binary is missing (needs Go).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { withCustomPlans } from './ferretdb-tuning.ts';
import { freePort } from './ports.ts';

export interface StartFerretDbOptions {
  /** TCP port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** SQLite directory (kept on stop). Default: a fresh temp dir (removed on stop). */
  dataDir?: string;
  /**
   * Use the PostgreSQL backend instead of SQLite (the database must exist). Equality
   * filters are pushed down to PostgreSQL, so lookups on large collections stay fast.
   */
  postgresqlUrl?: string;
  /** FerretDB log level (stderr): debug | info | warn | error. Default warn. */
  logLevel?: string;
  /** Receives FerretDB's stderr lines. Default: kept in memory, shown only if start fails. */
  onLog?: (line: string) => void;
  /** Give up waiting for the server after this many ms. Default 30000. */
  startTimeoutMs?: number;
}

export interface RunningFerretDb {
  /** mongodb://127.0.0.1:PORT/ */
  uri: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FERRETDB_BINARY = join(ROOT, 'gateway/ferretdb/bin/ferretdb-embedded');
const BUILD_SCRIPT = join(ROOT, 'scripts/build-ferretdb.sh');

/** Builds the binary if it does not exist yet. */
export async function ensureFerretDbBinary(): Promise<string> {
  if (existsSync(FERRETDB_BINARY)) return FERRETDB_BINARY;
  await new Promise<void>((resolve, reject) => {
    // build output goes to our stderr: the first build takes minutes
    const child = spawn('bash', [BUILD_SCRIPT], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit ${code}`})`)),
    );
  });
  if (!existsSync(FERRETDB_BINARY)) throw new Error(`${BUILD_SCRIPT} did not produce ${FERRETDB_BINARY}`);
  return FERRETDB_BINARY;
}

export async function startFerretDb(opts: StartFerretDbOptions = {}): Promise<RunningFerretDb> {
  const binary = await ensureFerretDbBinary();
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ferretdb-'));
  if (!ownDir) mkdirSync(dataDir, { recursive: true });
  const removeDir = (): void => {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };

  // A port from freePort() can be taken by someone else before FerretDB binds it:
  // retry with another one (only when the caller did not ask for a specific port).
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch(binary, port, dataDir, opts, removeDir);
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error && /address already in use/i.test(err.message))) break;
    }
  }
  removeDir();
  throw lastError;
}

async function launch(
  binary: string,
  port: number,
  dataDir: string,
  opts: StartFerretDbOptions,
  removeDir: () => void,
): Promise<RunningFerretDb> {
  // Custom plans let PostgreSQL match the GIN indexes of ferretdb-tuning.ts (see there).
  const backend = opts.postgresqlUrl
    ? ['--postgresql-url', withCustomPlans(opts.postgresqlUrl)]
    : ['--sqlite-dir', dataDir];
  const args = ['--listen', `127.0.0.1:${port}`, ...backend, '--log-level', opts.logLevel ?? 'warn'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const stderrTail: string[] = [];
  pipeLines(child.stderr, (line) => {
    if (opts.onLog) opts.onLog(line);
    stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.shift();
  });

  // If this Node process exits without calling stop(), do not leave FerretDB behind.
  const onExit = (): void => {
    child.kill('SIGKILL');
    removeDir();
  };
  process.once('exit', onExit);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  try {
    const address = await waitUntilReady(child, port, exited, opts.startTimeoutMs ?? 30_000, stderrTail);
    let stopping: Promise<void> | undefined;
    return {
      uri: `mongodb://${address}/`,
      port,
      dataDir,
      stop() {
        stopping ??= (async () => {
          process.off('exit', onExit);
          await terminate(child, exited);
          removeDir();
        })();
        return stopping;
      },
    };
  } catch (err) {
    process.off('exit', onExit);
    await terminate(child, exited);
    throw err;
  }
}

function waitUntilReady(
  child: ChildProcess,
  port: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
  stderrTail: string[],
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, address?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (err) reject(err);
      else resolve(address ?? `127.0.0.1:${port}`);
    };
    const details = (): string => (stderrTail.length ? `\n${stderrTail.join('\n')}` : '');

    // 1. the "ferretdb listening on HOST:PORT" line on stdout
    pipeLines(child.stdout, (line) => {
      const m = /listening on (\S+)/.exec(line);
      if (m?.[1]) finish(null, m[1]);
    });
    // 2. or a successful TCP connect (older builds without the line)
    const poll = setInterval(() => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        finish(null);
      });
      s.on('error', () => s.destroy());
    }, 200);
    const timer = setTimeout(
      () =>
        finish(new Error(`ferretdb did not start listening on 127.0.0.1:${port} within ${timeoutMs} ms${details()}`)),
      timeoutMs,
    );
    child.once('error', (err) => finish(new Error(`cannot run ${FERRETDB_BINARY}: ${err.message}`)));
    void exited.then(({ code, signal }) =>
      finish(new Error(`ferretdb exited before listening (${signal ?? `exit ${code}`})${details()}`)),
    );
  });
}

async function terminate(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
    if (buf.length > 65536) buf = buf.slice(-65536);
  });
}
