/** Who is asking, as the cart sees it: a signed-in user (maybe also holding a token) or a token holder. */
import type { ServiceContext } from '../context.ts';
import { cartErrors } from './errors.ts';
import type { Actor } from './model.ts';
import { hashCartToken } from './tokens.ts';

export async function actorOf(svc: Pick<ServiceContext, 'principal'>, token: string | undefined): Promise<Actor> {
  const tokenHash = token ? await hashCartToken(token) : undefined;
  if (svc.principal) return { kind: 'user', userId: svc.principal.userId, tokenHash };
  if (tokenHash) return { kind: 'token', tokenHash };
  throw cartErrors.tokenRequired();
}

export const SYSTEM: Actor = { kind: 'system' };
