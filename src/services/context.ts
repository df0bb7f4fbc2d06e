/**
 * The one thing every service function of checkout receives: who is asking (if
 * anyone), in which tenant, with which connections and configuration. Routes build
 * it from the request; the saga's Durable Object and queue consumers build it from
 * their own stores and the tenant they carry.
 */
import type { Stores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import type { Logger } from '../lib/logger.ts';
import type { Principal } from './auth/index.ts';

export interface ServiceContext {
  env: Env;
  stores: Stores;
  tenantId: string;
  /** The caller; null for system work (the saga, consumers). */
  principal: Principal | null;
  logger: Logger;
}
