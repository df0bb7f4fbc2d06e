/**
 * The Durable Objects of carts: one per cart, one per user's directory. Tenant and cart id are
 * both in the object's name, so a cart id asked for under another tenant names an empty object
 * (404) whatever the caller knows. Refusals come back as data and become problems here.
 */
import type { ServiceContext } from '../context.ts';
import { cartErrors } from './errors.ts';
import type { CartState } from './model.ts';
import type { CartAnswer, CartCommand, Envelope, OwnerCommand } from './reducer.ts';

export interface CartRef {
  tenantId: string;
  cartId: string;
}

/** What reaching the cart objects needs: the Worker's bindings (a request's context, or a Durable Object's `{ env }`). */
export type CartScope = Pick<ServiceContext, 'env'>;

/** One command to one cart: where, what, by whom, and the version the caller read (If-Match). */
export interface CartCall extends Envelope<CartCommand> {
  ref: CartRef;
}

function cartStub({ env }: CartScope, ref: CartRef) {
  return env.CART.get(env.CART.idFromName(`cart:${ref.tenantId.toLowerCase()}:${ref.cartId.toLowerCase()}`));
}

function ownerStub({ env }: CartScope, tenantId: string, userId: string) {
  return env.CART.get(env.CART.idFromName(`owner:${tenantId.toLowerCase()}:${userId.toLowerCase()}`));
}

export interface Applied {
  cart: CartState;
  note?: 'closed' | 'reopened' | 'stays-closed' | undefined;
}

/** Runs a command on the cart; a refusal is thrown as its problem. */
export async function runCart(ctx: CartScope, call: CartCall): Promise<Applied> {
  const { ref, ...envelope } = call;
  const answer = (await cartStub(ctx, ref).apply(envelope)) as CartAnswer;
  if (!answer.ok) {
    const make = cartErrors[answer.refused.code] as (...args: unknown[]) => Error;
    throw make(...answer.refused.args);
  }
  return { cart: answer.cart, note: answer.note };
}

export async function runOwner(ctx: CartScope, command: OwnerCommand) {
  return ownerStub(ctx, command.tenantId, command.userId).owner(command);
}
