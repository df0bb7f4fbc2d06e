/**
 * How the rest of the Worker talks to an order's saga: one `OrderSaga` Durable Object
 * per order (`idFromName(orderId)`), reached over RPC. The object drives the steps
 * itself; callers only start it, ask it to cancel, nudge it, or read it.
 */
import type { Order, OrderItem } from '../../db/pg/schema/orders.ts';
import { configOf } from '../../lib/config.ts';
import { objectIdOfProductUuid } from '../../lib/ids.ts';
import { parseMoney } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { orderErrors } from './errors.ts';
import { getOrder } from './queries.ts';
import type { SagaContext, SagaPromotion } from './saga/context.ts';
import type { SagaState } from './saga/state.ts';
import type { OrderView } from './views.ts';

export type { SagaPromotion };

/**
 * The order's saga object. ORDER_SAGA_LOCATION_HINT places a new one near the stores, whatever
 * edge location placed the order (a hint for where it is created; an existing object stays put).
 */
export function sagaOf(svc: Pick<ServiceContext, 'env'>, orderId: string) {
  const hint = configOf(svc.env).orders.sagaLocationHint;
  const id = svc.env.ORDER_SAGA.idFromName(orderId);
  return hint ? svc.env.ORDER_SAGA.get(id, { locationHint: hint }) : svc.env.ORDER_SAGA.get(id);
}

/** What the saga carries about its order (and, to charge it, the payment token; null for an adopted order). */
export function sagaContextOf(
  order: Pick<Order, 'userId' | 'orderNumber' | 'currency' | 'total' | 'paymentMethod'>,
  items: Pick<OrderItem, 'productId' | 'quantity'>[],
  paymentToken: string | null,
  promotion: SagaPromotion | null = null,
): SagaContext {
  return {
    ...(promotion ? { promotion } : {}),
    userId: order.userId,
    orderNumber: order.orderNumber,
    currency: order.currency,
    total: order.total,
    totalMinor: parseMoney(order.total),
    paymentMethod: order.paymentMethod ?? 'card',
    paymentToken,
    lines: items.map((i) => ({ productId: objectIdOfProductUuid(i.productId), quantity: i.quantity })),
  };
}

/** Starts (or finds already started) the order's saga. 503 if the object cannot be reached. */
export interface SagaStart {
  order: Order;
  items: OrderItem[];
  paymentToken: string;
  promotion: SagaPromotion | null;
  /** The order's transaction wrote the saga's STARTED mirror (a fresh order, not a replay). */
  startMirrored?: boolean;
}

export async function startOrderSaga(svc: ServiceContext, start: SagaStart): Promise<SagaState> {
  const { order, items, paymentToken, promotion, startMirrored } = start;
  try {
    return await sagaOf(svc, order.id).start({
      orderId: order.id,
      tenantId: order.tenantId,
      context: sagaContextOf(order, items, paymentToken, promotion),
      ...(startMirrored ? { startMirrored } : {}),
    });
  } catch (err) {
    svc.logger.error('order saga could not start', { orderId: order.id, error: String(err) });
    throw orderErrors.sagaUnavailable();
  }
}

/**
 * `Prefer: wait=N` (N > 0; 0 answers `order` and `saga` as they are): waits until the saga has
 * settled and its mirror is written, or N seconds passed; then the saga's state and the order.
 * The order is `order` (as the caller has it) with what the settled saga's mirror left of it
 * (read back in that mirror's transaction), unless `order` is newer than that (a replay, after a
 * staff move); a saga that did not settle in time reads the order again.
 */
export async function waitForSaga<S extends SagaState | null>(
  svc: ServiceContext,
  input: { order: OrderView; saga: S; seconds: number },
): Promise<{ saga: S | SagaState | null; order: OrderView }> {
  if (input.seconds <= 0) return { saga: input.saga, order: input.order };
  // One call the object answers when the saga settles (it wakes on each saved change), not a
  // poll: a poll every 100 ms added up to 100 ms to every waited checkout.
  const settled = await sagaOf(svc, input.order.id).settled({ ms: input.seconds * 1000 });
  const left = settled.order;
  if (left && left.version >= input.order.version) return { saga: settled.state, order: { ...input.order, ...left } };
  return { saga: settled.state, order: await getOrder(svc, input.order.id) };
}
