import type { Env } from '../env.ts';
import type { Logger } from './logger.ts';
import type { Stores } from '../db/stores.ts';

/** Hono environment shared by every router. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    logger: Logger;
    stores: Stores;
  };
}
