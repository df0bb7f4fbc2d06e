import type { Stores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import type { Principal } from '../services/auth/index.ts';
import type { Logger } from './logger.ts';

/** Hono environment shared by every router. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    logger: Logger;
    stores: Stores;
    /** Set by `authenticate` when the request carries valid credentials. */
    principal: Principal | undefined;
  };
}
