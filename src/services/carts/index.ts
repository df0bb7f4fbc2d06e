/** The cart service's public surface. */
export { CART_TOKEN_HEADER } from './tokens.ts';
export { cartExpiryMs } from './config.ts';
export { estimateOf, type CatalogEstimates } from './estimates.ts';
export {
  addLine,
  type CartEdit,
  createCart,
  editCart,
  mergeCart,
  mergeOnSignIn,
  setPromotionCode,
  setShippingAddress,
} from './commands.ts';
export { getCart, type GetCartInput } from './queries.ts';
export { checkoutCart, type CheckoutInput, type CheckoutRequest } from './checkout.ts';
export { followOrderEvent } from './order-events.ts';
export { cartView, type CartView } from './views.ts';
export { cartErrors } from './errors.ts';
export * from './model.ts';
