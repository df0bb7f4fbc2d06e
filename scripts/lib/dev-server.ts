/**
 * The API as `npm run dev` runs it: the local stack (one PostgreSQL 15 cluster kept in
 * `<stateDir>/postgres` for the relational data unless DATABASE_URL and DocumentDB + FerretDB v2
 * unless MONGODB_URI), migrated and seeded, then `wrangler dev` on `port`.
 * Shared by the dev launcher, the benchmarks and the fuzzer.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { loadOrCreateSecrets } from './secrets.ts';
import { seedDatabase, seedSettingsFromEnv, type SeedSettings } from './seed.ts';
import { startStack, type Stack } from './stack.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface DevServer {
  url: string;
  stack: Stack;
  seed: SeedSettings;
  /** Resolves when wrangler exits on its own. */
  exited: Promise<number>;
  stop(): Promise<void>;
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/v1/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the API at ${url} did not become healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface DevServerOptions {
  port: number;
  stateDir?: string;
  quiet?: boolean;
  /** Extra Worker vars (the benchmarks' edge cache bypass token, the fuzzer's Stripe settings). */
  vars?: Record<string, string>;
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const stateDir = opts.stateDir ?? join(ROOT, '.dev');
  mkdirSync(stateDir, { recursive: true });
  const log = opts.quiet ? undefined : (line: string) => console.log(`[stack] ${line}`);
  const previous = ['pglite', 'ferretdb'].filter((d) => existsSync(join(stateDir, d)));
  if (previous.length)
    log?.(
      `${previous.map((d) => join(stateDir, d)).join(' and ')}: data of the former embedded stack, no longer used (rm -rf to free the space)`,
    );
  const stack = await startStack({
    postgres: process.env.DATABASE_URL ? { kind: 'url', url: process.env.DATABASE_URL } : { kind: 'server' },
    mongo: process.env.MONGODB_URI ? { kind: 'uri', uri: process.env.MONGODB_URI } : { kind: 'ferretdb' },
    stateDir,
    database: process.env.DATABASE_NAME ?? 'ecommerce',
    secrets: await loadOrCreateSecrets(join(stateDir, 'secrets.json')),
    log,
  });
  const seed = seedSettingsFromEnv();
  await seedDatabase(stack.ownerDatabaseUrl, seed);

  // One line per request is wrangler's own (`[wrangler:info] GET /path 200 OK (12ms)`); the Worker's
  // JSON access log would repeat it, so only its warnings and errors show (LOG_LEVEL=info for all).
  const envVars = {
    LOG_LEVEL: process.env.LOG_LEVEL || 'warn',
    ...(process.env.STORE_TIMEOUT_MS ? { STORE_TIMEOUT_MS: process.env.STORE_TIMEOUT_MS } : {}),
  };
  const varsFile = join(stateDir, '.dev.vars');
  writeFileSync(
    varsFile,
    Object.entries({ ...stack.bindings, ...envVars, ...opts.vars })
      // Single quotes: dotenv takes the value literally (the JWK set is JSON with double quotes).
      .map(([k, v]) => `${k}='${v}'`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );

  const wrangler = spawn(
    'wrangler',
    [
      'dev',
      '--port',
      String(opts.port),
      '--ip',
      '127.0.0.1',
      '--env-file',
      varsFile,
      '--show-interactive-dev-session=false',
      '--log-level',
      opts.quiet ? 'error' : 'info',
    ],
    {
      cwd: ROOT,
      stdio: opts.quiet ? 'ignore' : 'inherit',
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        // wrangler prints its bindings table (at log level "log", hidden by `--log-level info`) again on
        // every change of the machine-wide dev registry (any other `wrangler dev` starting or stopping,
        // and this one registering): give this one its own registry.
        WRANGLER_REGISTRY_PATH: join(stateDir, 'wrangler-registry'),
        // No fetch of the `Request.cf` sample from the internet (offline it only prints a warning and a stack).
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      },
    },
  );
  const exited = new Promise<number>((r) => wrangler.once('exit', (code) => r(code ?? 0)));
  const url = `http://127.0.0.1:${opts.port}`;
  // `wrangler dev` fires no cron by itself: run the every-minute one (the order saga's start
  // sweeper, src/services/orders/sweeper.ts) through Miniflare's scheduled trigger, as production would.
  const cron = setInterval(() => {
    fetch(`${url}/cdn-cgi/local/scheduled?cron=${encodeURIComponent('* * * * *')}`)
      .then((res) => res.body?.cancel())
      .catch(() => {});
  }, 60_000);
  cron.unref();
  const stop = async () => {
    clearInterval(cron);
    if (wrangler.exitCode === null) {
      wrangler.kill('SIGINT');
      await exited;
    }
    await stack.stop();
  };
  try {
    await waitForHealth(url, 120_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stack, seed, exited, stop };
}
