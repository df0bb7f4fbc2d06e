/**
 * The catalog's domain: what a product is (product-reducer.ts: states, events, statuses),
 * what the stores hold (event-store.ts), what a list asks for (list-plan.ts), and the
 * inputs of the product commands. Types and constants only; no I/O.
 */
import type { ProductImage, ProductStatus, SpecificationValue } from './product-reducer.ts';

export { PRODUCT_EVENT_TYPES, PRODUCT_STATUSES } from './product-reducer.ts';
export type {
  CategoryRef,
  ProductChanges,
  ProductEvent,
  ProductEventType,
  ProductImage,
  ProductState,
  ProductStatus,
  SpecificationValue,
  StockChangedEvent,
} from './product-reducer.ts';
export type { ProductDoc, ProductRecord } from './event-store.ts';
export {
  PRODUCT_SORTS,
  type ListProductsQuery,
  type ProductListPlan,
  type ProductSort,
  type Reader,
} from './list-plan.ts';
export { ID_OR_SLUG_PATTERN, SLUG_PATTERN } from './common.ts';
export type { CategoryDoc } from './category-store.ts';

export interface CreateProductInput {
  name: string;
  description?: string | null | undefined;
  slug?: string | undefined;
  priceMinor: number;
  compareAtPriceMinor?: number | null | undefined;
  currency: string;
  stockQuantity: number;
  sku?: string | null | undefined;
  categoryId?: string | null | undefined;
  images?: ProductImage[] | undefined;
  specifications?: Record<string, SpecificationValue> | undefined;
  metaTitle?: string | null | undefined;
  metaDescription?: string | null | undefined;
  metaKeywords?: string[] | undefined;
  status: ProductStatus;
  published: boolean;
}

/** PATCH: any field of a create but the slug, price and stock (those have their own commands). */
export type UpdateProductInput = Partial<
  Omit<CreateProductInput, 'slug' | 'priceMinor' | 'compareAtPriceMinor' | 'currency' | 'stockQuantity'>
>;

export interface ChangePriceInput {
  priceMinor: number;
  /** Null or absent: no compare-at price. */
  compareAtPriceMinor?: number | null | undefined;
  /** Absent: unchanged. */
  currency?: string | undefined;
}

export const MAX_STOCK = 1_000_000_000;

/** Absolute `stockQuantity`, or a relative `delta`; never below 0 (409 naming the field). */
export type ChangeStockInput = { stockQuantity: number } | { delta: number };

/** Deepest level a category may have (0 = root). */
export const MAX_CATEGORY_LEVEL = 9;

export interface CategoryInput {
  name: string;
  slug?: string | undefined;
  description?: string | null | undefined;
  parentId?: string | null | undefined;
  imageUrl?: string | null | undefined;
  displayOrder?: number | undefined;
  metaTitle?: string | null | undefined;
  metaDescription?: string | null | undefined;
  active?: boolean | undefined;
}

export type CategoryPatch = Partial<CategoryInput>;
