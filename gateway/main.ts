/**
 * Entry of the single-file gateway (`npm run gateway:build` -> gateway/dist/data-api-gateway.mjs):
 * runs the server from the environment on any Node >= 20, with no node_modules beside it.
 */
import { main } from './server.ts';

main().catch((err: unknown) => {
  console.error('gateway: failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
