/**
 * Runs FerretDB v2 (the MongoDB wire protocol on PostgreSQL with DocumentDB) as a child
 * process, for the local stack. The binary comes from scripts/build-engine.sh
 * (.tools/ferretdb-v2.7.0/ferretdb); the PostgreSQL database it is given must have the
 * `documentdb` extension (scripts/lib/stack.ts creates it).
 *
 * Flags: no authentication (local only, 127.0.0.1), no telemetry, no debug listener (its
 * default port 8088 would collide between stacks), WARN logs, of which the expected ones are
 * dropped (EXPECTED_NOISE).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ENGINE } from './engine.ts';
import { freePort } from './ports.ts';

export interface StartFerretDbOptions {
  /** PostgreSQL URL of the DocumentDB database (a superuser: FerretDB runs DocumentDB's functions). */
  postgresqlUrl: string;
  /** TCP port on 127.0.0.1 of the MongoDB wire protocol. Default: a free port. */
  port?: number;
  /** FerretDB's state directory (kept). Default: a temp dir, removed on stop. */
  stateDir?: string;
  /** FerretDB log level: DEBUG | INFO | WARN | ERROR. Default WARN. */
  logLevel?: string;
  /** Receives FerretDB's log lines. Default: kept in memory, shown only if start fails. */
  onLog?: (line: string) => void;
  /** Give up waiting for the server after this many ms. Default 30000. */
  startTimeoutMs?: number;
  binary?: string;
}

export interface RunningFerretDb {
  /** mongodb://127.0.0.1:PORT/ */
  uri: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Warnings that are expected here and say nothing: authentication is off (local only), a client
 * closed its connection or a cursor it had read to the end, DocumentDB is not the exact build
 * FerretDB was released with.
 */
const EXPECTED_NOISE = /Authentication is disabled|msg="Connection stopped"|msg="Cursor not found"|DocumentDB version/i;

export async function startFerretDb(opts: StartFerretDbOptions): Promise<RunningFerretDb> {
  const ownDir = opts.stateDir === undefined;
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'ferretdb-'));
  if (!ownDir) mkdirSync(stateDir, { recursive: true });
  const removeDir = (): void => {
    if (ownDir) rmSync(stateDir, { recursive: true, force: true });
  };

  // A port from freePort() can be taken by someone else before FerretDB binds it:
  // retry with other ones (only when the caller did not ask for a specific port).
  const attempts = opts.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch(opts, port, stateDir, removeDir);
    } catch (err) {
      lastError = err;
      if (!(err instanceof Error && /address already in use/i.test(err.message))) break;
    }
  }
  removeDir();
  throw lastError;
}

async function launch(
  opts: StartFerretDbOptions,
  port: number,
  stateDir: string,
  removeDir: () => void,
): Promise<RunningFerretDb> {
  const binary = opts.binary ?? ENGINE.ferretdb;
  const args = [
    `--postgresql-url=${opts.postgresqlUrl}`,
    `--listen-addr=127.0.0.1:${port}`,
    '--debug-addr=-',
    `--state-dir=${stateDir}`,
    '--no-auth',
    '--telemetry=disable',
    `--log-level=${opts.logLevel ?? 'WARN'}`,
    '--log-format=text',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    if (opts.onLog && !EXPECTED_NOISE.test(line)) opts.onLog(line);
  };
  pipeLines(child.stdout, onLine);
  pipeLines(child.stderr, onLine);

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
    await waitUntilListening(child, binary, port, exited, opts, tail);
    let stopping: Promise<void> | undefined;
    return {
      uri: `mongodb://127.0.0.1:${port}/`,
      port,
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

function waitUntilListening(
  child: ChildProcess,
  binary: string,
  port: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  opts: StartFerretDbOptions,
  tail: string[],
): Promise<void> {
  const timeoutMs = opts.startTimeoutMs ?? 30_000;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(poll);
      if (err) reject(err);
      else resolve();
    };
    const details = (): string => (tail.length ? `\n${tail.join('\n')}` : '');
    let poll: NodeJS.Timeout | undefined;
    const probe = async () => {
      if (await isListening(port)) finish(null);
      else if (!done) poll = setTimeout(() => void probe(), 50);
    };
    void probe();
    const timer = setTimeout(
      () => finish(new Error(`ferretdb did not listen on 127.0.0.1:${port} within ${timeoutMs} ms${details()}`)),
      timeoutMs,
    );
    child.once('error', (err) => finish(new Error(`cannot run ${binary}: ${err.message}`)));
    void exited.then(({ code, signal }) =>
      finish(new Error(`ferretdb exited before listening (${signal ?? `exit ${code}`})${details()}`)),
    );
  });
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
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
