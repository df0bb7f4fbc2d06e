/**
 * The Durable Objects of carts: one per cart, one per user's directory. Tenant and cart id are
 * both in the object's name, so a cart id asked for under another tenant names an empty object
 * (404) whatever the caller knows. Refusals come back as data and become problems here.
 */
import type { Env } from '../../env.ts';
import { cartErrors } from './errors.ts';
import type { CartState } from './model.ts';
import type { CartAnswer, CartCommand, Envelope, OwnerCommand } from './reducer.ts';

export interface CartRef {
  tenantId: string;
  cartId: string;
}

type CartEnv = Pick<Env, 'CART'>;

export function cartStub(env: CartEnv, ref: CartRef) {
  return env.CART.get(env.CART.idFromName(`cart:${ref.tenantId.toLowerCase()}:${ref.cartId.toLowerCase()}`));
}

export function ownerStub(env: CartEnv, tenantId: string, userId: string) {
  return env.CART.get(env.CART.idFromName(`owner:${tenantId.toLowerCase()}:${userId.toLowerCase()}`));
}

export interface Applied {
  cart: CartState;
  note?: 'closed' | 'reopened' | 'stays-closed' | undefined;
}

/** Runs a command on the cart; a refusal is thrown as its problem. */
export async function runCart(env: CartEnv, ref: CartRef, envelope: Envelope<CartCommand>): Promise<Applied> {
  const answer = (await cartStub(env, ref).apply(envelope)) as CartAnswer;
  if (!answer.ok) {
    const make = cartErrors[answer.refused.code] as (...args: unknown[]) => Error;
    throw make(...answer.refused.args);
  }
  return { cart: answer.cart, note: answer.note };
}

export async function runOwner(env: CartEnv, command: OwnerCommand) {
  return ownerStub(env, command.tenantId, command.userId).owner(command);
}
