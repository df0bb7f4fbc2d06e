/**
 * `npm run dev`: the API on http://localhost:8787 with everything it needs, and
 * nothing installed beforehand. Starts the embedded stack (PGlite unless
 * DATABASE_URL is set, FerretDB unless MONGODB_URI is set, the WebSocket proxy and
 * the Data API gateway), migrates and seeds, writes .dev/.dev.vars, then runs
 * `wrangler dev`. Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadOrCreateSecrets } from './lib/secrets.ts';
import { startStack } from './lib/stack.ts';

const root = resolve(import.meta.dirname, '..');
const devDir = join(root, '.dev');
mkdirSync(devDir, { recursive: true });
const port = Number(process.env.PORT ?? 8787);

const stack = await startStack({
  postgres: process.env.DATABASE_URL
    ? { kind: 'url', url: process.env.DATABASE_URL }
    : { kind: 'pglite', dataDir: join(devDir, 'pglite') },
  mongo: process.env.MONGODB_URI ? { kind: 'uri', uri: process.env.MONGODB_URI } : { kind: 'ferretdb', dataDir: join(devDir, 'ferretdb') },
  database: process.env.DATABASE_NAME ?? 'ecommerce',
  secrets: await loadOrCreateSecrets(join(devDir, 'secrets.json')),
  log: (line) => console.log(`[stack] ${line}`),
});

const varsFile = join(devDir, '.dev.vars');
writeFileSync(
  varsFile,
  Object.entries(stack.bindings)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join('\n') + '\n',
  { mode: 0o600 },
);

const wrangler = spawn(
  'wrangler',
  ['dev', '--port', String(port), '--ip', '127.0.0.1', '--env-file', varsFile, '--show-interactive-dev-session=false'],
  { cwd: root, stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } },
);
console.log(`[stack] api           http://localhost:${port}/api/v1/health  (docs: http://localhost:${port}/docs)`);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  wrangler.kill('SIGINT');
  await stack.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
wrangler.on('exit', (code) => void shutdown(code ?? 0));
