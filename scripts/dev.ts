/**
 * `npm run dev`: the API on http://localhost:8787 with everything it needs and
 * nothing installed beforehand (see scripts/lib/dev-server.ts). Ctrl-C stops it all.
 */
import { startDevServer } from './lib/dev-server.ts';

const port = Number(process.env.PORT ?? 8787);
const server = await startDevServer({ port });
const { seed } = server;
console.log(`[stack] api           http://localhost:${port}/api/v1/health  (docs: http://localhost:${port}/docs)`);
console.log(
  `[stack] sign in as    ${seed.adminEmail} / ${process.env.SEED_ADMIN_PASSWORD ? '(SEED_ADMIN_PASSWORD)' : seed.adminPassword}  (X-Tenant-ID: ${seed.tenantId}, or Host: ${seed.tenantDomain})`,
);

let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
void server.exited.then((code) => shutdown(code));
