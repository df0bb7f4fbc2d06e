/**
 * How the rest of the Worker talks to an order's saga: one `OrderSaga` Durable Object
 * per order (`idFromName(orderId)`), reached over RPC. The object drives the steps
 * itself; callers only start it, ask it to cancel, nudge it, or read it.
 */
import type { Order, OrderItem } from '../../db/pg/schema/orders.ts';
import { objectIdOfProductUuid } from '../../lib/ids.ts';
import { parseMoney } from '../catalog/index.ts';
import type { ServiceContext } from '../context.ts';
import { orderErrors } from './errors.ts';
import type { SagaContext, SagaPromotion } from './saga/context.ts';
import type { SagaState } from './saga/state.ts';

export type { SagaPromotion };

export function sagaOf(svc: Pick<ServiceContext, 'env'>, orderId: string) {
  return svc.env.ORDER_SAGA.get(svc.env.ORDER_SAGA.idFromName(orderId));
}

/** What the saga carries about its order (and, to charge it, the payment token; null for an adopted order). */
export function sagaContextOf(
  order: Order,
  items: OrderItem[],
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
}

export async function startOrderSaga(svc: ServiceContext, start: SagaStart): Promise<SagaState> {
  const { order, items, paymentToken, promotion } = start;
  try {
    return await sagaOf(svc, order.id).start({
      orderId: order.id,
      tenantId: order.tenantId,
      context: sagaContextOf(order, items, paymentToken, promotion),
    });
  } catch (err) {
    svc.logger.error('order saga could not start', { orderId: order.id, error: String(err) });
    throw orderErrors.sagaUnavailable();
  }
}

/**
 * `Prefer: wait=N`: polls the saga until it has settled and its mirror is written
 * (so a following read of the order sees the outcome), or N seconds passed.
 */
export async function waitForSaga(
  svc: ServiceContext,
  input: { orderId: string; seconds: number },
): Promise<SagaState | null> {
  // One call the object answers when the saga settles (it wakes on each saved change), not a
  // poll: a poll every 100 ms added up to 100 ms to every waited checkout.
  const { state } = await sagaOf(svc, input.orderId).settled({ ms: input.seconds * 1000 });
  return state;
}
