/**
 * The Durable Object bindings' interfaces, beside the env that names them: the env types
 * `DurableObjectNamespace<...>` with these, so it imports no Durable Object class (a class
 * import pulled every file the object reaches into every file that reads the env). The
 * classes in src/durable implement them (`implements`), so the two cannot drift apart.
 */
import type { OwnerState } from './services/carts/model.ts';
import type { CartAnswer, CartCommand, Envelope, OwnerAnswer, OwnerCommand } from './services/carts/reducer.ts';
import type { OrderSagaMethods } from './services/orders/saga/rpc.ts';

/** OrderSaga: one per order (`idFromName(orderId)`), the single writer of its saga. */
export interface OrderSagaBinding extends Rpc.DurableObjectBranded, OrderSagaMethods {}

/** NotificationFeed's RPC methods: one per user (`idFromName(tenantId:userId)`), their live-feed sockets. */
export interface NotificationFeedMethods {
  fetch(request: Request): Promise<Response>;
  /** Sends a message to every open socket of the user; returns how many got it. */
  publish(message: unknown): Promise<number>;
  /** Closes every socket (e.g. the account was locked). */
  disconnectAll(reason?: string): Promise<number>;
  connections(): Promise<number>;
}

export interface NotificationFeedBinding extends Rpc.DurableObjectBranded, NotificationFeedMethods {}

/** Cart's RPC methods: one per cart (`cart:<tenant>:<id>`) and one per user's directory (`owner:<tenant>:<user>`). */
export interface CartMethods {
  /** Runs one cart command; a refusal is answered as data. */
  apply(envelope: Envelope<CartCommand>): Promise<CartAnswer>;
  /** Runs one command of a user's cart directory. */
  owner(command: OwnerCommand): Promise<OwnerAnswer & { orders: OwnerState['orders'] }>;
}

export interface CartBinding extends Rpc.DurableObjectBranded, CartMethods {}
