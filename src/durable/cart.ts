/**
 * Cart: one Durable Object per cart (`idFromName(cart:<tenant>:<cart id>)`) and one per user's
 * cart directory (`idFromName(owner:<tenant>:<user id>)`). Storage plus alarm only: the
 * object keeps one document, runs the pure reducers of src/services/carts/reducer.ts on it
 * one command at a time (single writer: concurrent edits of a cart queue here, none is
 * lost) and sets the alarm that deletes a cart idle for CART_EXPIRY_DAYS.
 *
 * A refusal comes back as data (`{ refused }`): errors do not cross RPC as typed values.
 */
import { DurableObject } from 'cloudflare:workers';

import type { CartMethods } from '../bindings.ts';
import type { Env } from '../env.ts';
import { cartExpiryMs } from '../services/carts/config.ts';
import { forgetExpiredCart } from '../services/carts/expiry.ts';
import type { CartState, OwnerState, StoredDoc } from '../services/carts/model.ts';
import {
  CartRefusal,
  isExpired,
  runCartCommand,
  runOwnerCommand,
  type CartAnswer,
  type CartCommand,
  type Envelope,
  type OwnerAnswer,
  type OwnerCommand,
} from '../services/carts/reducer.ts';

const DOC = 'doc';

export class Cart extends DurableObject<Env> implements CartMethods {
  private doc: StoredDoc | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      this.doc = (await ctx.storage.get<StoredDoc>(DOC)) ?? null;
    });
  }

  /** Runs one cart command; the document is written before the answer leaves (output gate). */
  async apply(envelope: Envelope<CartCommand>): Promise<CartAnswer> {
    try {
      const out = runCartCommand(this.doc, envelope, Date.now());
      if (out.changed && out.state) await this.save(out.state);
      return { ok: true, cart: out.state!, note: out.note };
    } catch (err) {
      if (err instanceof CartRefusal) return { ok: false, refused: { code: err.code, args: err.args } };
      throw err;
    }
  }

  /** Runs one command of a user's cart directory. */
  async owner(command: OwnerCommand): Promise<OwnerAnswer & { orders: OwnerState['orders'] }> {
    const out = runOwnerCommand(this.doc, command);
    if (out.changed && out.state) {
      this.doc = out.state;
      await this.ctx.storage.put(DOC, out.state);
    }
    return { ...out.answer, orders: out.state?.orders ?? [] };
  }

  override async alarm(): Promise<void> {
    const doc = this.doc;
    if (doc?.kind !== 'cart') return;
    const ttl = cartExpiryMs(this.env);
    if (!isExpired(doc, Date.now(), ttl)) {
      // A cart in checkout waits for its order; otherwise the next expiry counts from the last edit.
      const due = doc.status === 'CHECKING_OUT' && doc.checkout?.orderId ? Date.now() + ttl : doc.updatedAt + ttl;
      await this.ctx.storage.setAlarm(Math.max(Date.now() + 1000, due));
      return;
    }
    await forgetExpiredCart({ env: this.env }, doc);
    this.doc = null;
    await this.ctx.storage.deleteAll();
  }

  private async save(state: CartState): Promise<void> {
    const before = this.doc;
    this.doc = state;
    await this.ctx.storage.put(DOC, state);
    if (before?.kind !== 'cart' || before.updatedAt !== state.updatedAt || (await this.ctx.storage.getAlarm()) === null)
      await this.ctx.storage.setAlarm(state.updatedAt + cartExpiryMs(this.env));
  }
}
