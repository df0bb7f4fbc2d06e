/**
 * The one thing every service function receives first: who is asking (if anyone), in
 * which tenant, with which connections, logger and configuration. A request's is built
 * once by middleware (`bindContext`, middleware/tenant.ts, as `c.var.ctx`); the saga's
 * Durable Object and the queue consumers build theirs with `systemContext`, from their own
 * stores and the tenant they carry.
 */
import type { Stores } from '../db/stores.ts';
import type { Env } from '../env.ts';
import type { Logger } from '../lib/logger.ts';
import { problems } from '../lib/problem.ts';
import type { Principal } from './auth/index.ts';

export interface ServiceContext {
  readonly env: Env;
  readonly stores: Stores;
  /**
   * The tenant the work belongs to. On a request: the credentials', else X-Tenant-ID's, else
   * the Host's; reading it on a request that names none answers 400 on `header.x-tenant-id`.
   * So never spread a request's context (`{ ...ctx }` reads it): build another with `systemContext`.
   */
  readonly tenantId: string;
  /** The caller; null for anonymous calls and system work (the saga, consumers). */
  readonly principal: Principal | null;
  readonly logger: Logger;
  /** The request's id (x-request-id), for correlation; null for system work. */
  readonly requestId?: string | null;
}

/** The context of work no caller asked for: a saga step, a queue consumer, a sweeper. */
export function systemContext(env: Env, stores: Stores, logger: Logger, tenantId: string): ServiceContext {
  return { env, stores, logger, tenantId, principal: null, requestId: null };
}

/** The caller of `ctx`; 401 when there is none (routes behind authentication always have one). */
export function callerOf(ctx: Pick<ServiceContext, 'principal'>): Principal {
  if (!ctx.principal) throw problems.unauthorized();
  return ctx.principal;
}
