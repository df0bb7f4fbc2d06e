/** The catalog service's public surface: products (event-sourced), categories, stock, money, cache tags. */
export { changePrice, changeStock, createProduct, deleteProduct, updateProduct } from './product-commands.ts';
export {
  getProduct,
  hasTextIndex,
  listProducts,
  productHistory,
  rebuildProductProjection,
  withFreshCategory,
} from './product-queries.ts';
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
  type ReleaseStockInput,
  type ReserveStockInput,
  type StockOutcome,
} from './stock.ts';
export { productsForCheckout, type SellableProduct } from './checkout.ts';
export { formatMoney, MONEY_PATTERN, parseMoney } from './money.ts';
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
export { clearCacheMemo, memoizedEntry, rememberEntry } from './cache-memo.ts';
export { makeEvent, runCommand, type CommandOptions, type CommandResult, type Decision } from './event-store.ts';
export { productListPlan } from './list-plan.ts';
export { catalogErrors } from './errors.ts';
export * from './model.ts';
export * from './views.ts';
