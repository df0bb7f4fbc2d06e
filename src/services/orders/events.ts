/**
 * Order events for the notification service, sent to the `notifications` queue.
 * Each carries a stable event id (`order:<id>:<event>`), so a retried step or a
 * repeated send is stored and delivered once by the consumer.
 */
import type { NotificationMessage } from '../../queues/notification-messages.ts';
import type { ServiceContext } from '../context.ts';

export type OrderEventType =
  'ORDER_CONFIRMATION' | 'ORDER_CANCELLED' | 'PAYMENT_FAILED' | 'ORDER_SHIPPED' | 'ORDER_DELIVERED' | 'REFUND_ISSUED';

export interface OrderFacts {
  orderId: string;
  tenantId: string;
  userId: string;
  orderNumber: string;
  total: string;
  currency: string;
}

const TEXT: Record<
  OrderEventType,
  { title: string; message: (o: OrderFacts, extra: Record<string, string>) => string; priority: 'NORMAL' | 'HIGH' }
> = {
  ORDER_CONFIRMATION: {
    title: 'Order confirmed',
    message: (o) => `Your order ${o.orderNumber} (${o.total} ${o.currency}) is confirmed.`,
    priority: 'NORMAL',
  },
  ORDER_CANCELLED: {
    title: 'Order cancelled',
    message: (o, x) => `Your order ${o.orderNumber} was cancelled${x.reason ? `: ${x.reason}` : ''}.`,
    priority: 'HIGH',
  },
  PAYMENT_FAILED: {
    title: 'Payment failed',
    message: (o) => `The payment for order ${o.orderNumber} did not go through.`,
    priority: 'HIGH',
  },
  ORDER_SHIPPED: {
    title: 'Order shipped',
    message: (o) => `Your order ${o.orderNumber} is on its way.`,
    priority: 'NORMAL',
  },
  ORDER_DELIVERED: {
    title: 'Order delivered',
    message: (o) => `Your order ${o.orderNumber} was delivered.`,
    priority: 'NORMAL',
  },
  REFUND_ISSUED: {
    title: 'Refund issued',
    message: (o, x) => `We refunded ${x.amount ?? o.total} ${o.currency} for order ${o.orderNumber}.`,
    priority: 'NORMAL',
  },
};

export function orderEvent(
  type: OrderEventType,
  order: OrderFacts,
  opts: { eventKey?: string; extra?: Record<string, string> } = {},
): NotificationMessage {
  const extra = opts.extra ?? {};
  const text = TEXT[type];
  return {
    eventId: `order:${order.orderId}:${opts.eventKey ?? type}`,
    tenantId: order.tenantId,
    userId: order.userId,
    type,
    title: text.title,
    message: text.message(order, extra),
    channels: ['EMAIL', 'IN_APP'],
    data: {
      orderId: order.orderId,
      orderNumber: order.orderNumber,
      total: order.total,
      currency: order.currency,
      ...extra,
    },
    actionUrl: `/orders/${order.orderId}`,
    priority: text.priority,
  };
}

export async function publishOrderEvents(
  svc: Pick<ServiceContext, 'env'>,
  events: NotificationMessage[],
): Promise<void> {
  if (events.length === 0) return;
  await svc.env.NOTIFICATIONS_QUEUE.sendBatch(events.map((body) => ({ body })));
}
