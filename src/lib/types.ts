import type { Tenant } from '../db/pg/schema/index.ts';
import type { Stores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import type { Principal } from '../services/auth/index.ts';
import type { ServiceContext } from '../services/context.ts';
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
    /** The request's service context, built once by `bindContext` (middleware/tenant.ts). */
    ctx: ServiceContext;
    /** The tenant whose domain is the Host, when `resolveTenant` looked it up. */
    tenantByHost: Tenant | undefined;
    /** Host lookups of the tenant made by this request (at most one; the test header reports it). */
    tenantLookups: number | undefined;
  };
}
