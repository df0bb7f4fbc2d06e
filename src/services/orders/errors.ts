/** Problem types of the order service, each with one status. */
import { Problem, problems } from '../../lib/problem.ts';

export const orderErrors = {
  notFound: () => problems.notFound('Order'),
  invalidTransition: (from: string, to: string) =>
    new Problem(
      409,
      'invalid-order-transition',
      'Invalid order transition',
      `An order in status ${from} cannot become ${to}.`,
      {
        extensions: { from, to },
      },
    ),
  notCancellable: (status: string) =>
    new Problem(
      409,
      'order-not-cancellable',
      'Order cannot be cancelled',
      `An order in status ${status} can no longer be cancelled.`,
      {
        extensions: { orderStatus: status },
      },
    ),
  cancelForbidden: () => problems.forbidden("Only the order's owner or an ADMIN may cancel it."),
  cancelPending: (from: string, to: string) =>
    new Problem(
      409,
      'order-being-cancelled',
      'Order is being cancelled',
      `The order was cancelled; it cannot become ${to}.`,
      {
        extensions: { from, to },
      },
    ),
  productUnavailable: (index: number, productId: string) =>
    new Problem(422, 'product-unavailable', 'Product unavailable', `Product ${productId} cannot be ordered.`, {
      errors: [{ field: `body.lines.${index}.productId`, message: 'unknown product, or not for sale' }],
    }),
  currencyMismatch: (index: number, productCurrency: string, orderCurrency: string) =>
    new Problem(
      422,
      'currency-mismatch',
      'Currency mismatch',
      `The product is sold in ${productCurrency}, the order is in ${orderCurrency}.`,
      {
        errors: [{ field: `body.lines.${index}.productId`, message: `sold in ${productCurrency}` }],
      },
    ),
  /** The schema refuses it first; the service holds the rule for every caller. */
  cardNumberAsToken: () =>
    problems.validation([
      {
        field: 'body.paymentMethod.token',
        message: 'a card number; send a payment provider token (e.g. pm_...), never card numbers',
      },
    ]),
  totalTooLarge: (max: string) =>
    new Problem(
      422,
      'order-total-too-large',
      'Order total too large',
      `The order's total (with tax and shipping) would exceed ${max}, the most one order can hold; split it.`,
      {
        errors: [{ field: 'body.lines', message: `total over ${max}` }],
        extensions: { maxTotal: max },
      },
    ),
  addressNotFound: () =>
    new Problem(422, 'address-not-found', 'Address not found', 'The shipping address is not one of yours.', {
      errors: [{ field: 'body.shippingAddressId', message: 'no such address' }],
    }),
  writeUnavailable: () => problems.unavailable('The order could not be changed right now; read it again and retry.'),
  sagaUnavailable: () =>
    problems.unavailable('The order was saved but checkout could not start; retry with the same Idempotency-Key.'),
};
