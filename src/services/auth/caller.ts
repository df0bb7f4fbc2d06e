import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import type { Principal } from './model.ts';

/**
 * The caller of a request's context. Routes declare who may call them (middleware/access.ts);
 * this is the service's own guard for work that only a signed-in caller can do: 401 without one.
 */
export function callerOf(ctx: ServiceContext): Principal {
  if (!ctx.principal) throw problems.unauthorized();
  return ctx.principal;
}
