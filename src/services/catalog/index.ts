/** The catalog service's public surface: products (event-sourced), categories, stock, money, cache tags. */
export {
  changePrice,
  changeStock,
  createProduct,
  deleteProduct,
  flushCommandOutbox,
  updateProduct,
} from './product-commands.ts';
export { getProduct, listProducts, productHistory, productSlug, rebuildProductProjection } from './product-queries.ts';
export {
  categoryTree,
  createCategory,
  deleteCategory,
  getCategory,
  recountProductCounts,
  updateCategory,
} from './categories.ts';
export {
  releaseStock,
  reserveStock,
  unitsHeldBy,
  type ReleaseStockInput,
  type ReserveStockInput,
  type StockOutcome,
} from './stock.ts';
export { productsForCheckout, type SellableProduct } from './checkout.ts';
export { formatMoney, parseMoney } from './money.ts';
export {
  catalogTags,
  categoryChangeTags,
  currentGenerations,
  defaultCache,
  generationsForFill,
  productChangeTags,
  purgeCatalogTags,
  ratingChangeTags,
  reviewChangeTags,
} from './cache-tags.ts';
export { memoizedEntry, rememberEntry } from './cache-memo.ts';
export { type CommandOptions, type CommandResult, type Decision } from './event-store.ts';
export { type OutboxDoc } from './stock-ops.ts';
export * from './model.ts';
export * from './views.ts';
