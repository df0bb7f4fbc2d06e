/**
 * `npm run dev`: the API on http://localhost:8787 with everything it needs and
 * nothing installed beforehand (see scripts/lib/dev-server.ts). Ctrl-C, `kill` (any
 * catchable signal) or the end of its parent stops it all.
 */
import { startDevServer, type DevServer } from './lib/dev-server.ts';
import { StackSetupError } from './lib/stack.ts';
import { onStop } from './lib/stop-signals.ts';

const port = Number(process.env.PORT ?? 8787);
let server: DevServer | undefined;
let exitCode = 0;
let stopping = false;
const stop = onStop(async () => {
  stopping = true;
  // Before the stack is up, exiting runs each child's exit hook (they are killed with us).
  await server?.stop();
  process.exit(exitCode);
});

async function start(): Promise<DevServer> {
  try {
    return await startDevServer({ port, stateDir: process.env.DEV_STATE_DIR || undefined });
  } catch (err) {
    // A setup problem the person can fix is one line; anything else keeps its stack.
    console.error(err instanceof StackSetupError ? `[stack] ${err.message}` : err);
    process.exit(1);
  }
}

server = await start();
const { seed } = server;
console.log(`[stack] api           http://localhost:${port}/api/v1/health  (docs: http://localhost:${port}/docs)`);
console.log(
  `[stack] sign in as    ${seed.adminEmail} / ${process.env.SEED_ADMIN_PASSWORD ? '(SEED_ADMIN_PASSWORD)' : seed.adminPassword}  (X-Tenant-ID: ${seed.tenantId}, or Host: ${seed.tenantDomain})`,
);
// wrangler ending on its own ends the stack with its exit code.
void server.exited.then((code) => {
  if (stopping) return;
  exitCode = code;
  stop('wrangler exited');
});
