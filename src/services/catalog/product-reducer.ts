/**
 * Products are event-sourced: `product_events` is the source of truth and the
 * `products` document is a projection of it. This module is the ONLY place that says
 * how an event changes a product: `applyEvent(state, event)` is a pure reducer,
 * `rebuildProduct(events)` folds it, `projectionOf(state)` is the stored document.
 * No I/O here (tests fold events in memory with the very same code).
 */
import { minorToNumber } from './money.ts';

export const PRODUCT_STATUSES = ['ACTIVE', 'DRAFT', 'ARCHIVED', 'OUT_OF_STOCK'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const PRODUCT_EVENT_TYPES = [
  'ProductCreatedEvent',
  'ProductUpdatedEvent',
  'PriceChangedEvent',
  'StockChangedEvent',
  'ProductDeletedEvent',
] as const;
export type ProductEventType = (typeof PRODUCT_EVENT_TYPES)[number];

/** The category a product is in, copied into the product (denormalised, refreshed by category changes). */
export interface CategoryRef {
  id: string;
  name: string;
  slug: string;
  path: string;
}

export interface ProductImage {
  url: string;
  alt: string | null;
  isPrimary: boolean;
}

export type SpecificationValue = string | number | boolean;

/** Everything about a product that events decide. */
export interface ProductState {
  /** ObjectId hex; also the events' aggregateId. */
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  slug: string;
  priceMinor: number;
  compareAtPriceMinor: number | null;
  currency: string;
  stockQuantity: number;
  sku: string | null;
  category: CategoryRef | null;
  images: ProductImage[];
  specifications: Record<string, SpecificationValue>;
  metaTitle: string | null;
  metaDescription: string | null;
  metaKeywords: string[];
  status: ProductStatus;
  published: boolean;
  /** Version of the last applied event (1 after creation). */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

/** Fields a ProductUpdatedEvent may change. */
export const UPDATABLE_FIELDS = [
  'name',
  'description',
  'sku',
  'category',
  'images',
  'specifications',
  'metaTitle',
  'metaDescription',
  'metaKeywords',
  'status',
  'published',
] as const;
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];
export type ProductChanges = Partial<Pick<ProductState, UpdatableField>>;

export type ProductCreatedData = Omit<
  ProductState,
  'id' | 'tenantId' | 'version' | 'createdAt' | 'updatedAt' | 'deletedAt'
>;
export interface ProductUpdatedData {
  changes: ProductChanges;
  /** The values the changed fields had before (for history readers; the reducer ignores it). */
  previous: ProductChanges;
}
export interface PriceChangedData {
  priceMinor: number;
  compareAtPriceMinor: number | null;
  currency: string;
  previousPriceMinor: number;
  previousCompareAtPriceMinor: number | null;
  previousCurrency: string;
}
/** `set`/`adjust`: staff via the API; `reserve`/`release`: the order saga (causationId = order id). */
export type StockChangeReason = 'set' | 'adjust' | 'reserve' | 'release';
export interface StockChangedData {
  previousQuantity: number;
  newQuantity: number;
  delta: number;
  reason: StockChangeReason;
  orderId?: string;
}
export interface ProductDeletedData {
  previousStatus: ProductStatus;
}

interface EventBase<T extends ProductEventType, D> {
  eventId: string;
  eventType: T;
  aggregateId: string;
  version: number;
  data: D;
  userId: string | null;
  timestamp: Date;
  correlationId: string | null;
  causationId: string | null;
  tenantId: string;
}

export type ProductCreatedEvent = EventBase<'ProductCreatedEvent', ProductCreatedData>;
export type ProductUpdatedEvent = EventBase<'ProductUpdatedEvent', ProductUpdatedData>;
export type PriceChangedEvent = EventBase<'PriceChangedEvent', PriceChangedData>;
export type StockChangedEvent = EventBase<'StockChangedEvent', StockChangedData>;
export type ProductDeletedEvent = EventBase<'ProductDeletedEvent', ProductDeletedData>;
export type ProductEvent =
  ProductCreatedEvent | ProductUpdatedEvent | PriceChangedEvent | StockChangedEvent | ProductDeletedEvent;

/** The event stream does not fit the state (gap, second creation, event after deletion...). */
export class EventSequenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventSequenceError';
  }
}

/**
 * Stock-driven status: an ACTIVE product whose stock reaches 0 becomes OUT_OF_STOCK,
 * and an OUT_OF_STOCK one whose stock comes back becomes ACTIVE. Only stock events
 * move it (a status set by staff stays until the next stock change).
 */
function statusAfterStock(status: ProductStatus, quantity: number): ProductStatus {
  if (status === 'ACTIVE' && quantity === 0) return 'OUT_OF_STOCK';
  if (status === 'OUT_OF_STOCK' && quantity > 0) return 'ACTIVE';
  return status;
}

/** Pure reducer: the product after `event`. Never mutates its inputs. */
export function applyEvent(state: ProductState | null, event: ProductEvent): ProductState {
  if (event.eventType === 'ProductCreatedEvent') {
    if (state) throw new EventSequenceError(`product ${event.aggregateId} is created twice (version ${event.version})`);
    if (event.version !== 1)
      throw new EventSequenceError(`ProductCreatedEvent must be version 1, got ${event.version}`);
    const d = event.data;
    return {
      id: event.aggregateId,
      tenantId: event.tenantId,
      name: d.name,
      description: d.description ?? null,
      slug: d.slug,
      priceMinor: d.priceMinor,
      compareAtPriceMinor: d.compareAtPriceMinor ?? null,
      currency: d.currency,
      stockQuantity: d.stockQuantity,
      sku: d.sku ?? null,
      category: d.category ? { ...d.category } : null,
      images: (d.images ?? []).map((i) => ({ ...i })),
      specifications: { ...(d.specifications ?? {}) },
      metaTitle: d.metaTitle ?? null,
      metaDescription: d.metaDescription ?? null,
      metaKeywords: [...(d.metaKeywords ?? [])],
      status: d.status,
      published: d.published,
      version: 1,
      createdAt: event.timestamp,
      updatedAt: event.timestamp,
      deletedAt: null,
    };
  }
  if (!state)
    throw new EventSequenceError(
      `${event.eventType} v${event.version} before ProductCreatedEvent of ${event.aggregateId}`,
    );
  if (event.aggregateId !== state.id)
    throw new EventSequenceError(`event of ${event.aggregateId} applied to ${state.id}`);
  if (event.version !== state.version + 1) {
    throw new EventSequenceError(`product ${state.id}: expected version ${state.version + 1}, got ${event.version}`);
  }
  if (state.deletedAt) throw new EventSequenceError(`product ${state.id}: ${event.eventType} after deletion`);
  const base = { ...state, version: event.version, updatedAt: event.timestamp };

  switch (event.eventType) {
    case 'ProductUpdatedEvent': {
      const next: ProductState = { ...base };
      const changes = event.data.changes;
      for (const field of UPDATABLE_FIELDS) {
        if (!(field in changes)) continue;
        const value = changes[field];
        switch (field) {
          case 'images':
            next.images = (value as ProductImage[]).map((i) => ({ ...i }));
            break;
          case 'specifications':
            next.specifications = { ...(value as Record<string, SpecificationValue>) };
            break;
          case 'metaKeywords':
            next.metaKeywords = [...(value as string[])];
            break;
          case 'category':
            next.category = value ? { ...(value as CategoryRef) } : null;
            break;
          case 'name':
            next.name = value as string;
            break;
          case 'status':
            next.status = value as ProductStatus;
            break;
          case 'published':
            next.published = value as boolean;
            break;
          default: // description, sku, metaTitle, metaDescription: null clears
            next[field] = (value as string | null | undefined) ?? null;
        }
      }
      return next;
    }
    case 'PriceChangedEvent':
      return {
        ...base,
        priceMinor: event.data.priceMinor,
        compareAtPriceMinor: event.data.compareAtPriceMinor ?? null,
        currency: event.data.currency,
      };
    case 'StockChangedEvent':
      return {
        ...base,
        stockQuantity: event.data.newQuantity,
        status: statusAfterStock(state.status, event.data.newQuantity),
      };
    case 'ProductDeletedEvent':
      return { ...base, status: 'ARCHIVED', published: false, deletedAt: event.timestamp };
  }
}

/** Folds a whole stream (ascending versions). Null for an empty stream. */
export function rebuildProduct(events: readonly ProductEvent[]): ProductState | null {
  let state: ProductState | null = null;
  for (const event of events) state = applyEvent(state, event);
  return state;
}

/**
 * The `products` document fields of a state (everything but `_id` and the rating
 * fields, which the review service maintains). `price`/`compareAtPrice` are the
 * sortable numbers derived from the integer minor units.
 */
export function projectionOf(state: ProductState) {
  return {
    tenantId: state.tenantId,
    name: state.name,
    description: state.description,
    slug: state.slug,
    price: minorToNumber(state.priceMinor),
    priceMinor: state.priceMinor,
    compareAtPrice: state.compareAtPriceMinor === null ? null : minorToNumber(state.compareAtPriceMinor),
    compareAtPriceMinor: state.compareAtPriceMinor,
    currency: state.currency,
    stockQuantity: state.stockQuantity,
    sku: state.sku,
    category: state.category,
    images: state.images,
    specifications: state.specifications,
    metaTitle: state.metaTitle,
    metaDescription: state.metaDescription,
    metaKeywords: state.metaKeywords,
    status: state.status,
    published: state.published,
    version: state.version,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    deletedAt: state.deletedAt,
  };
}
export type ProductProjection = ReturnType<typeof projectionOf>;

/** The category a product counts toward in `categories.productCount` (not deleted, has a category). */
export function countedCategory(state: ProductState | null): string | null {
  return state && !state.deletedAt && state.category ? state.category.id : null;
}
