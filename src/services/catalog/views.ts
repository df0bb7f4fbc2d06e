/** Products, their events and categories as the API shows them: no tenantId, money as decimal strings, ISO dates. */
import type { CategoryDoc } from './category-store.ts';
import type { ProductRecord } from './event-store.ts';
import { formatMoney } from './money.ts';
import type { ProductEvent, ProductEventType } from './product-reducer.ts';

/** A product as the API shows it: the record without tenantId, money as decimal strings, ISO dates. */
export interface ProductView extends Omit<
  ProductRecord,
  'tenantId' | 'priceMinor' | 'compareAtPriceMinor' | 'createdAt' | 'updatedAt' | 'deletedAt'
> {
  price: string;
  compareAtPrice: string | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
}

export function productView(r: ProductRecord): ProductView {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    slug: r.slug,
    price: formatMoney(r.priceMinor),
    compareAtPrice: r.compareAtPriceMinor === null ? null : formatMoney(r.compareAtPriceMinor),
    currency: r.currency,
    stockQuantity: r.stockQuantity,
    sku: r.sku,
    category: r.category,
    images: r.images,
    specifications: r.specifications,
    metaTitle: r.metaTitle,
    metaDescription: r.metaDescription,
    metaKeywords: r.metaKeywords,
    status: r.status,
    published: r.published,
    averageRating: r.averageRating,
    reviewCount: r.reviewCount,
    version: r.version,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    deletedAt: r.deletedAt ? r.deletedAt.toISOString() : null,
  };
}

export interface ProductEventView {
  eventId: string;
  eventType: ProductEventType;
  aggregateId: string;
  version: number;
  data: Record<string, unknown>;
  userId: string | null;
  timestamp: string;
  correlationId: string | null;
  causationId: string | null;
}

/** Event data as the API shows it: `xMinor` integers become `x` decimal strings. */
function moneyAsDecimal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(moneyAsDecimal);
  if (value instanceof Date) return value.toISOString();
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.endsWith('Minor') && (typeof v === 'number' || v === null))
      out[k.slice(0, -'Minor'.length)] = v === null ? null : formatMoney(v);
    else out[k] = moneyAsDecimal(v);
  }
  return out;
}

export function eventView(e: ProductEvent): ProductEventView {
  return {
    eventId: e.eventId,
    eventType: e.eventType,
    aggregateId: e.aggregateId,
    version: e.version,
    data: moneyAsDecimal(e.data) as Record<string, unknown>,
    userId: e.userId ?? null,
    timestamp: e.timestamp.toISOString(),
    correlationId: e.correlationId ?? null,
    causationId: e.causationId ?? null,
  };
}

/** A category as the API shows it: the document with `id` for `_id`, no tenantId, ISO dates. */
export interface CategoryView extends Omit<CategoryDoc, '_id' | 'tenantId' | 'createdAt' | 'updatedAt'> {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface CategoryTreeNode extends CategoryView {
  children: CategoryTreeNode[];
}

export interface CategoryDetail extends CategoryView {
  ancestors: Array<Pick<CategoryView, 'id' | 'name' | 'slug'>>;
  children: CategoryView[];
}

export function categoryView(doc: CategoryDoc): CategoryView {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    slug: doc.slug,
    description: doc.description ?? null,
    parentId: doc.parentId ?? null,
    level: doc.level,
    path: doc.path,
    imageUrl: doc.imageUrl ?? null,
    displayOrder: doc.displayOrder ?? 0,
    metaTitle: doc.metaTitle ?? null,
    metaDescription: doc.metaDescription ?? null,
    active: doc.active !== false,
    productCount: doc.productCount ?? 0,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
