/** Problem types of the cart service, each with one status. */
import { staleVersion } from '../../lib/etag.ts';
import { Problem, problems } from '../../lib/problem.ts';
import { MAX_LINES, MAX_QUANTITY } from './model.ts';

export const cartErrors = {
  /** Another tenant's or user's cart, a wrong token, an expired cart: all the same 404. */
  notFound: () => problems.notFound('Cart'),
  notOpen: (status: string) =>
    new Problem(409, 'cart-not-open', 'Cart not open', `A cart in status ${status} cannot be changed.`, {
      extensions: { cartStatus: status },
    }),
  checkoutInProgress: () =>
    new Problem(
      409,
      'cart-checkout-in-progress',
      'Checkout in progress',
      'This cart is being checked out with another Idempotency-Key; retry with that key.',
    ),
  tooManyLines: () =>
    new Problem(422, 'cart-too-many-lines', 'Too many lines', `A cart holds at most ${MAX_LINES} products.`, {
      errors: [{ field: 'body.productId', message: `at most ${MAX_LINES} products per cart` }],
    }),
  quantityOverCap: (quantity: number) =>
    new Problem(
      422,
      'cart-quantity-over-cap',
      'Quantity over the cap',
      `The product's quantity would be ${quantity}; at most ${MAX_QUANTITY}.`,
      { errors: [{ field: 'body.quantity', message: `at most ${MAX_QUANTITY} of one product` }] },
    ),
  lineNotFound: (field: string) =>
    new Problem(404, 'cart-line-not-found', 'Line not found', 'The cart has no line for this product.', {
      errors: [{ field, message: 'not in the cart' }],
    }),
  empty: () =>
    new Problem(422, 'cart-empty', 'Cart is empty', 'Add a line before checking out.', {
      errors: [{ field: 'lines', message: 'no lines' }],
    }),
  noShippingAddress: () =>
    new Problem(422, 'cart-no-shipping-address', 'No shipping address', 'Set one or give shippingAddressId.', {
      errors: [{ field: 'body.shippingAddressId', message: 'the cart has no shipping address; give one' }],
    }),
  unavailableLines: (productIds: string[]) =>
    new Problem(
      422,
      'cart-unavailable-lines',
      'Unavailable lines',
      'Some products of the cart can no longer be ordered; remove them first.',
      { errors: productIds.map((id) => ({ field: `lines.${id}`, message: 'unknown product, or not for sale' })) },
    ),
  anonymousCheckout: () =>
    new Problem(
      409,
      'cart-anonymous',
      'Anonymous cart',
      'Merge this cart into yours first (POST /carts/{id}/merge with its token), then check yours out.',
    ),
  tokenRequired: () => problems.unauthorized('Send the cart token (X-Cart-Token) or sign in.'),
  signInToCheckout: () => problems.unauthorized('Sign in to check out; the anonymous cart merges into yours.'),
  stale: (current: number) => staleVersion('cart', current),
};

export type CartErrorCode = keyof typeof cartErrors;
