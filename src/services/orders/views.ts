/** API shapes of orders: camelCase, money as decimal strings, ISO timestamps. */
import type { Order, OrderItem } from '../../db/pg/schema/orders.ts';
import type { OrderPaymentStatus, OrderStatus } from './model.ts';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function orderItemView(i: OrderItem) {
  return {
    id: i.id,
    productId: i.productId,
    productName: i.productName,
    productSku: i.productSku,
    quantity: i.quantity,
    unitPrice: i.unitPrice,
    totalPrice: i.totalPrice,
  };
}

export function orderView(o: Order, items: OrderItem[]) {
  return {
    id: o.id,
    orderNumber: o.orderNumber,
    userId: o.userId,
    status: o.status as OrderStatus,
    paymentStatus: o.paymentStatus as OrderPaymentStatus,
    paymentMethod: o.paymentMethod,
    subtotal: o.subtotal,
    tax: o.tax,
    shipping: o.shipping,
    discount: o.discount,
    total: o.total,
    currency: o.currency,
    shippingAddress: {
      street: o.shippingStreet,
      city: o.shippingCity,
      state: o.shippingState,
      zipCode: o.shippingZipCode,
      country: o.shippingCountry,
    },
    items: items.map(orderItemView),
    version: o.version,
    createdAt: o.createdAt.toISOString(),
    updatedAt: o.updatedAt.toISOString(),
    completedAt: iso(o.completedAt),
    cancelledAt: iso(o.cancelledAt),
  };
}
export type OrderView = ReturnType<typeof orderView>;

/** The list shows headers only; items come with GET /orders/{id}. */
export function orderSummaryView(o: Order) {
  const { items: _items, ...rest } = orderView(o, []);
  return rest;
}
