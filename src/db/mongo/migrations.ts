/**
 * MongoDB collection and index migrations: ordered, recorded changesets (Mongock style).
 *
 * Pure data (no driver import): applied by scripts/lib/mongo-migrate.ts, which records
 * each changeset in the `_migrations` collection with a checksum. Never edit a
 * changeset that has shipped (the runner refuses a changed checksum): append a new one.
 *
 * Multi-tenancy: every document carries `tenantId`, and the Mongo layer adds it to every
 * filter. So
 *  - uniqueness that is per tenant is enforced per tenant: the seed's `{slug: 1}` unique
 *    (the single-tenant form) becomes `{tenantId: 1, slug: 1}` unique;
 *  - uniqueness on globally unique ids stays global (it is the stronger constraint and
 *    still serves tenant-scoped queries): `{aggregateId, version}` on product_events,
 *    `{productId, userId}` on reviews (aggregateId/productId are ObjectId hex strings);
 *  - list queries get tenantId-leading compound indexes (equality, sort, range order);
 *  - the seed's other single-field indexes are kept as in the seed.
 *
 * TTL and text indexes: MongoDB and the dev/test server (FerretDB v2 on DocumentDB) create
 * both. They stay `optional: true` for servers without them (FerretDB v1 had neither): the
 * runner then records them as skipped with the server's error instead of failing. The app does
 * not depend on them: expired notifications are also filtered out by queries and deleted by
 * the cron (on such a server the `fallback` plain index on `expiresAt` serves that; where the
 * TTL index exists the cron's purge finds little left), and product search falls back to an
 * escaped substring match where the text index was skipped (hasTextIndex in the catalog).
 */

export type IndexDirection = 1 | -1 | 'text';

export interface IndexOptions {
  /** Explicit, stable index name (required: the runner compares by name). */
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  weights?: Record<string, number>;
  default_language?: string;
}

export interface IndexDefinition {
  collection: string;
  key: Record<string, IndexDirection>;
  options: IndexOptions;
  /** If the server rejects this index, record it as skipped instead of failing. */
  optional?: boolean;
  /** Created instead when an optional index is rejected (e.g. a plain index for a TTL one). */
  fallback?: { key: Record<string, IndexDirection>; options: IndexOptions };
}

export interface ChangeSet {
  /** Unique, never reused, never renamed. */
  id: string;
  /** Application order (ascending, unique). */
  order: number;
  description: string;
  /** Collections to create (existing ones are left alone). */
  collections?: string[];
  indexes?: IndexDefinition[];
}

const MONGO_COLLECTIONS = ['products', 'product_events', 'categories', 'reviews', 'notifications'] as const;
export type MongoCollectionName = (typeof MONGO_COLLECTIONS)[number];

export const mongoChangeSets: readonly ChangeSet[] = [
  {
    id: '001-create-collections',
    order: 1,
    description: 'Create the five collections of the product, review and notification services',
    collections: [...MONGO_COLLECTIONS],
  },
  {
    id: '002-products-indexes',
    order: 2,
    description: 'products: per-tenant unique slug, seed indexes, tenant-scoped list indexes',
    indexes: [
      // Seed: { slug: 1 } unique (single tenant). Per tenant here: two tenants may use the same slug.
      { collection: 'products', key: { tenantId: 1, slug: 1 }, options: { name: 'tenantId_1_slug_1', unique: true } },
      // Seed indexes (section 5)
      { collection: 'products', key: { 'category.id': 1 }, options: { name: 'category.id_1' } },
      { collection: 'products', key: { status: 1, published: 1 }, options: { name: 'status_1_published_1' } },
      { collection: 'products', key: { price: 1 }, options: { name: 'price_1' } },
      { collection: 'products', key: { createdAt: -1 }, options: { name: 'createdAt_-1' } },
      // Seed "MongoDB Optimization": compound index for the category listing
      {
        collection: 'products',
        key: { 'category.id': 1, price: 1, status: 1 },
        options: { name: 'category.id_1_price_1_status_1' },
      },
      // GET /products: newest first, cursor on (createdAt, _id)
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_status_1_createdAt_-1__id_-1' },
      },
      // GET /products?category=&minPrice=&maxPrice=&sort=price
      {
        collection: 'products',
        key: { tenantId: 1, 'category.id': 1, status: 1, price: 1 },
        options: { name: 'tenantId_1_category.id_1_status_1_price_1' },
      },
      // GET /products?sort=price without a category
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, price: 1 },
        options: { name: 'tenantId_1_status_1_price_1' },
      },
      // Seed "MongoDB Optimization": text search. Not in FerretDB v1 (search falls back to regex).
      {
        collection: 'products',
        key: { name: 'text', description: 'text' },
        options: { name: 'name_text_description_text', weights: { name: 10, description: 1 } },
        optional: true,
      },
    ],
  },
  {
    id: '003-product-events-indexes',
    order: 3,
    description: 'product_events: one event per aggregate version, seed indexes',
    indexes: [
      // Optimistic concurrency of the event store: a version can be appended once.
      // aggregateId is a product's ObjectId (globally unique), so this stays global.
      {
        collection: 'product_events',
        key: { aggregateId: 1, version: 1 },
        options: { name: 'aggregateId_1_version_1', unique: true },
      },
      { collection: 'product_events', key: { eventType: 1 }, options: { name: 'eventType_1' } },
      { collection: 'product_events', key: { timestamp: -1 }, options: { name: 'timestamp_-1' } },
    ],
  },
  {
    id: '004-categories-indexes',
    order: 4,
    description: 'categories: per-tenant unique slug, seed indexes, tree listing',
    indexes: [
      // Seed: { slug: 1 } unique (single tenant); per tenant here.
      { collection: 'categories', key: { tenantId: 1, slug: 1 }, options: { name: 'tenantId_1_slug_1', unique: true } },
      { collection: 'categories', key: { parentId: 1 }, options: { name: 'parentId_1' } },
      { collection: 'categories', key: { path: 1 }, options: { name: 'path_1' } },
      // GET /categories (tree): children of a parent in display order
      {
        collection: 'categories',
        key: { tenantId: 1, parentId: 1, displayOrder: 1 },
        options: { name: 'tenantId_1_parentId_1_displayOrder_1' },
      },
      // Subtree queries: path prefix (^electronics/)
      { collection: 'categories', key: { tenantId: 1, path: 1 }, options: { name: 'tenantId_1_path_1' } },
    ],
  },
  {
    id: '005-reviews-indexes',
    order: 5,
    description: 'reviews: one review per user per product, seed indexes, tenant-scoped lists',
    indexes: [
      // One review per user per product (productId is globally unique, so global).
      {
        collection: 'reviews',
        key: { productId: 1, userId: 1 },
        options: { name: 'productId_1_userId_1', unique: true },
      },
      { collection: 'reviews', key: { productId: 1 }, options: { name: 'productId_1' } },
      { collection: 'reviews', key: { userId: 1 }, options: { name: 'userId_1' } },
      { collection: 'reviews', key: { status: 1 }, options: { name: 'status_1' } },
      { collection: 'reviews', key: { rating: 1 }, options: { name: 'rating_1' } },
      { collection: 'reviews', key: { createdAt: -1 }, options: { name: 'createdAt_-1' } },
      // GET /products/:id/reviews (approved, newest first)
      {
        collection: 'reviews',
        key: { tenantId: 1, productId: 1, status: 1, createdAt: -1 },
        options: { name: 'tenantId_1_productId_1_status_1_createdAt_-1' },
      },
      // Moderation queue: pending reviews, oldest/newest first
      {
        collection: 'reviews',
        key: { tenantId: 1, status: 1, createdAt: -1 },
        options: { name: 'tenantId_1_status_1_createdAt_-1' },
      },
    ],
  },
  {
    id: '006-notifications-indexes',
    order: 6,
    description: 'notifications: seed indexes, TTL on expiresAt (optional), tenant-scoped inbox',
    indexes: [
      { collection: 'notifications', key: { userId: 1, createdAt: -1 }, options: { name: 'userId_1_createdAt_-1' } },
      { collection: 'notifications', key: { read: 1 }, options: { name: 'read_1' } },
      { collection: 'notifications', key: { type: 1 }, options: { name: 'type_1' } },
      // Seed TTL index. FerretDB v1 rejects expireAfterSeconds: then a plain index on
      // expiresAt (same name) serves the cron's `deleteMany({ expiresAt: { $lt: now } })`.
      {
        collection: 'notifications',
        key: { expiresAt: 1 },
        options: { name: 'expiresAt_1', expireAfterSeconds: 0 },
        optional: true,
        fallback: { key: { expiresAt: 1 }, options: { name: 'expiresAt_1' } },
      },
      // GET /notifications (inbox, newest first)
      {
        collection: 'notifications',
        key: { tenantId: 1, userId: 1, createdAt: -1 },
        options: { name: 'tenantId_1_userId_1_createdAt_-1' },
      },
      // GET /notifications/unread-count, POST /notifications/read-all
      {
        collection: 'notifications',
        key: { tenantId: 1, userId: 1, read: 1 },
        options: { name: 'tenantId_1_userId_1_read_1' },
      },
    ],
  },
  {
    id: '007-notifications-event-unique',
    order: 7,
    description: 'notifications: one notification per (tenant, source event), for idempotent queue consumers',
    indexes: [
      // services/notifications/deliver.ts upserts on { tenantId, eventId }: without a unique index two
      // concurrent redeliveries could both insert. Every notification carries eventId (a
      // document without it would index as null and a second one in the tenant would collide).
      {
        collection: 'notifications',
        key: { tenantId: 1, eventId: 1 },
        options: { name: 'tenantId_1_eventId_1', unique: true },
      },
    ],
  },
  {
    id: '008-review-votes-reports',
    order: 8,
    description: 'review_votes and review_reports: one vote and one report per user per review',
    collections: ['review_votes', 'review_reports'],
    indexes: [
      // Helpful/unhelpful votes (services/reviews/engagement.ts): one per user per review; the
      // counters on the review are recounted from here. reviewId is a review's ObjectId hex
      // string (globally unique), so global like reviews' {productId, userId}.
      {
        collection: 'review_votes',
        key: { reviewId: 1, userId: 1 },
        options: { name: 'reviewId_1_userId_1', unique: true },
      },
      // Abuse reports: one per user per review; reportedCount is recounted from here.
      {
        collection: 'review_reports',
        key: { reviewId: 1, userId: 1 },
        options: { name: 'reviewId_1_userId_1', unique: true },
      },
    ],
  },
  {
    id: '009-catalog-list-indexes',
    order: 9,
    description: 'products: rating-sorted listing, SKU lookup',
    indexes: [
      // GET /products?sort=rating: keyset on (averageRating, _id), best rated first
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, averageRating: -1, _id: -1 },
        options: { name: 'tenantId_1_status_1_averageRating_-1__id_-1' },
      },
      // services/catalog/product-rules.ts: best-effort "SKU unused in the tenant" check (not unique:
      // products without a SKU would collide on null, and FerretDB v1 has no partial indexes)
      { collection: 'products', key: { tenantId: 1, sku: 1 }, options: { name: 'tenantId_1_sku_1' } },
    ],
  },
  {
    id: '010-notification-templates-push-subscriptions',
    order: 10,
    description: 'notification_templates (one per tenant, type, channel, locale) and push_subscriptions (per user)',
    collections: ['notification_templates', 'push_subscriptions'],
    indexes: [
      // services/notifications/templates.ts: PUT upserts on this key; the consumer reads a
      // tenant's templates of the batch's types ({tenantId, type} prefix).
      {
        collection: 'notification_templates',
        key: { tenantId: 1, type: 1, channel: 1, locale: 1 },
        options: { name: 'tenantId_1_type_1_channel_1_locale_1', unique: true },
      },
      // services/notifications/push-subscriptions.ts: one document per browser endpoint in a
      // tenant (registering again updates it), listed and sent to per user.
      {
        collection: 'push_subscriptions',
        key: { tenantId: 1, endpoint: 1 },
        options: { name: 'tenantId_1_endpoint_1', unique: true },
      },
      { collection: 'push_subscriptions', key: { tenantId: 1, userId: 1 }, options: { name: 'tenantId_1_userId_1' } },
    ],
  },
  {
    id: '011-known-devices',
    order: 11,
    description: 'known_devices (auth): sign-in fingerprints per user, for new-device security notifications',
    collections: ['known_devices'],
    indexes: [
      // services/auth/devices.ts upserts on this key; the insert decides "new device".
      {
        collection: 'known_devices',
        key: { tenantId: 1, userId: 1, fingerprint: 1 },
        options: { name: 'tenantId_1_userId_1_fingerprint_1', unique: true },
      },
    ],
  },
  {
    id: '012-catalog-query-indexes',
    order: 12,
    description:
      'products, reviews, categories: one tenant-leading index per list filter + sort (with its _id tiebreak)',
    // Equality fields first, then the sort keys with the keyset cursor's _id tiebreak, so MongoDB
    // walks the index in order and stops after limit + 1 (no SORT stage, no skip, no count).
    // `published` and `deletedAt` are left to the fetch: nearly every ACTIVE product passes them.
    // A category filter is `category.id $in [subtree]`: MongoDB merges the per-category index
    // ranges in sort order (SORT_MERGE). A price range rides on the price-sorted indexes; with
    // another sort it is filtered in the index scan of that sort.
    indexes: [
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, price: 1, _id: 1 },
        options: { name: 'tenantId_1_status_1_price_1__id_1' },
      },
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, 'category.id': 1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_status_1_category.id_1_createdAt_-1__id_-1' },
      },
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, 'category.id': 1, price: 1, _id: 1 },
        options: { name: 'tenantId_1_status_1_category.id_1_price_1__id_1' },
      },
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, 'category.id': 1, averageRating: -1, _id: -1 },
        options: { name: 'tenantId_1_status_1_category.id_1_averageRating_-1__id_-1' },
      },
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, 'specifications.brand': 1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_status_1_specifications.brand_1_createdAt_-1__id_-1' },
      },
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, 'specifications.brand': 1, price: 1, _id: 1 },
        options: { name: 'tenantId_1_status_1_specifications.brand_1_price_1__id_1' },
      },
      {
        collection: 'products',
        key: { tenantId: 1, status: 1, 'specifications.brand': 1, averageRating: -1, _id: -1 },
        options: { name: 'tenantId_1_status_1_specifications.brand_1_averageRating_-1__id_-1' },
      },
      // GET /products/{id}/reviews: newest and most helpful, with and without ?rating=
      {
        collection: 'reviews',
        key: { tenantId: 1, productId: 1, status: 1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_productId_1_status_1_createdAt_-1__id_-1' },
      },
      {
        collection: 'reviews',
        key: { tenantId: 1, productId: 1, status: 1, helpfulCount: -1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_productId_1_status_1_helpfulCount_-1_createdAt_-1__id_-1' },
      },
      {
        collection: 'reviews',
        key: { tenantId: 1, productId: 1, status: 1, rating: 1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_productId_1_status_1_rating_1_createdAt_-1__id_-1' },
      },
      {
        collection: 'reviews',
        key: { tenantId: 1, productId: 1, status: 1, rating: 1, helpfulCount: -1, createdAt: -1, _id: -1 },
        options: { name: 'tenantId_1_productId_1_status_1_rating_1_helpfulCount_-1_createdAt_-1__id_-1' },
      },
      // GET /reviews (moderation queue): by status, oldest or newest first
      {
        collection: 'reviews',
        key: { tenantId: 1, status: 1, createdAt: 1, _id: 1 },
        options: { name: 'tenantId_1_status_1_createdAt_1__id_1' },
      },
      // GET /categories (the tree): the tenant's categories by level and display order
      {
        collection: 'categories',
        key: { tenantId: 1, level: 1, displayOrder: 1 },
        options: { name: 'tenantId_1_level_1_displayOrder_1' },
      },
      // product_events by aggregate and version, tenant first like every other query
      {
        collection: 'product_events',
        key: { tenantId: 1, aggregateId: 1, version: 1 },
        options: { name: 'tenantId_1_aggregateId_1_version_1' },
      },
    ],
  },
];
