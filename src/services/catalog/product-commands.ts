/**
 * Product commands (event-sourced; see event-store.ts for the command loop, the
 * concurrency guard and crash repair, product-reducer.ts for what events do).
 *
 * Every command: load the product (caught up with its events), check If-Match,
 * decide the event, append it (unique {aggregateId, version}), then project it and
 * adjust the category counters. HTTP commands do not retry a lost race: the loser
 * gets 409 (412 when it sent If-Match), so two concurrent commands on one version
 * never both win. The stock saga (stock.ts) reloads and retries instead.
 */
import { ObjectId } from 'bson';

import { DuplicateKeyError } from '../../db/mongo/errors.ts';
import { hexEncode, utf8 } from '../../lib/bytes.ts';
import { assertSameRequest, requestFingerprint } from '../../lib/idempotency.ts';
import { problems } from '../../lib/problem.ts';
import type { ServiceContext } from '../context.ts';
import { adjustCategoryCounts } from './category-store.ts';
import { nextFreeSlug, PRODUCTS, slugify } from './common.ts';
import { catalogErrors } from './errors.ts';
import {
  appendEvent,
  loadProduct,
  makeEvent,
  recordOf,
  runCommand,
  VersionConflictError,
  writeProjection,
  type CommandOptions,
  type CommandResult,
  type EventContext,
  type ProductDoc,
  type ProductRecord,
} from './event-store.ts';
import {
  MAX_STOCK,
  type ChangePriceInput,
  type ChangeStockInput,
  type CreateProductInput,
  type UpdateProductInput,
} from './model.ts';
import { applyEvent, UPDATABLE_FIELDS, type CategoryRef, type ProductChanges } from './product-reducer.ts';
import { assertImages, assertPrices, assertSkuFree, resolveCategory } from './product-rules.ts';

/** Same tenant + user + key -> same product id, so a retried create finds its first attempt. */
async function idempotentProductId(ctx: EventContext, key: string): Promise<ObjectId> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', utf8(`${ctx.tenantId}\n${ctx.userId ?? ''}\n${key}`)),
  );
  return ObjectId.createFromHexString(hexEncode(digest.subarray(0, 12)));
}

/**
 * Creates a product. The slug (given, or from name + brand) is reserved first by
 * inserting a version-0 document (the unique {tenantId, slug} index decides; a taken
 * generated slug gets the next `-N` suffix), then ProductCreatedEvent v1 is appended
 * and projected. With an Idempotency-Key, a retry returns the product made by the first
 * call; the reservation records the request's fingerprint, so the same key with a
 * different request is 422 (src/lib/idempotency.ts).
 */
export async function createProduct(
  service: ServiceContext,
  { product: input, ...opts }: { product: CreateProductInput; idempotencyKey?: string | undefined },
): Promise<{ record: ProductRecord; replayed: boolean }> {
  const ctx = eventContextOf(service);
  const products = ctx.mongo.collection(PRODUCTS);
  const _id = opts.idempotencyKey ? await idempotentProductId(ctx, opts.idempotencyKey) : new ObjectId();
  const id = _id.toHexString();
  const fingerprint = opts.idempotencyKey ? await requestFingerprint('POST /products', input) : undefined;
  const reservation = () =>
    ctx.mongo
      .collection<ProductDoc>(PRODUCTS)
      .findOne({ _id, tenantId: ctx.tenantId }, { projection: { _id: 1, requestFingerprint: 1 } });
  const replay = async (stored: Pick<ProductDoc, 'requestFingerprint'> | null) => {
    assertSameRequest(stored?.requestFingerprint, fingerprint!);
    const existing = await loadProduct(ctx.mongo, ctx.tenantId, { id });
    if (!existing) throw problems.conflict('A request with this Idempotency-Key is still in progress; retry later.');
    return { record: existing, replayed: true };
  };
  if (opts.idempotencyKey) {
    const stored = await reservation();
    if (stored) return replay(stored);
  }

  const compareAtPriceMinor = input.compareAtPriceMinor ?? null;
  assertPrices(input.priceMinor, compareAtPriceMinor);
  assertImages(input.images);
  const [category] = await Promise.all([
    resolveCategory(ctx.mongo, ctx.tenantId, input.categoryId),
    assertSkuFree(ctx.mongo, ctx.tenantId, input.sku),
  ]);

  const brand = input.specifications?.brand;
  const base = input.slug ?? slugify(input.name, typeof brand === 'string' ? brand : undefined);
  let slug: string | undefined;
  for (let attempt = 0; attempt < 8 && !slug; attempt++) {
    // The base itself first (no query: a new name's slug is usually free), then the next free suffix.
    const candidate =
      input.slug ?? (attempt === 0 ? base : await nextFreeSlug(ctx.mongo, PRODUCTS, ctx.tenantId, base));
    try {
      // The reservation: invisible to every list (no status) and read as "not found" until v1 exists.
      await products.insertOne({
        _id,
        tenantId: ctx.tenantId,
        slug: candidate,
        version: 0,
        pendingVersion: 1,
        averageRating: 0,
        reviewCount: 0,
        deletedAt: null,
        ...(fingerprint ? { requestFingerprint: fingerprint } : {}),
      });
      slug = candidate;
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      if (opts.idempotencyKey) {
        const stored = await reservation();
        if (stored) return replay(stored);
      }
      if (input.slug) throw catalogErrors.fieldConflict('body.slug', `slug '${input.slug}' is taken`);
    }
  }
  if (!slug) throw problems.conflict('Could not find a free slug; retry.');

  const event = makeEvent(ctx, id, 1, 'ProductCreatedEvent', {
    name: input.name,
    description: input.description ?? null,
    slug,
    priceMinor: input.priceMinor,
    compareAtPriceMinor,
    currency: input.currency,
    stockQuantity: input.stockQuantity,
    sku: input.sku ?? null,
    category,
    images: (input.images ?? []).map((i) => ({ url: i.url, alt: i.alt ?? null, isPrimary: i.isPrimary })),
    specifications: input.specifications ?? {},
    metaTitle: input.metaTitle ?? null,
    metaDescription: input.metaDescription ?? null,
    metaKeywords: input.metaKeywords ?? [],
    status: input.status,
    published: input.published,
  });
  try {
    await appendEvent(ctx.mongo, event);
  } catch (err) {
    if (err instanceof VersionConflictError && opts.idempotencyKey) return replay(await reservation());
    // Give the slug back (best effort); a leftover reservation is harmless.
    await products.deleteOne({ _id, tenantId: ctx.tenantId, version: 0 }).catch(() => undefined);
    throw err;
  }
  const state = applyEvent(null, event);
  if (await writeProjection(ctx.mongo, state)) await adjustCategoryCounts(ctx.mongo, ctx.tenantId, null, state);
  return { record: recordOf(state, null), replayed: false };
}

/** The event context of a command run for `ctx`: its caller, its request as correlation and cause. */
export function eventContextOf(ctx: ServiceContext): EventContext {
  return {
    mongo: ctx.stores.mongo(),
    tenantId: ctx.tenantId,
    userId: ctx.principal?.userId ?? null,
    correlationId: ctx.requestId ?? null,
    causationId: ctx.requestId ?? null,
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** PATCH: ProductUpdatedEvent with the fields that really change (none: no event). */
export async function updateProduct(
  service: ServiceContext,
  { productId, patch: input, ...opts }: { productId: string; patch: UpdateProductInput } & CommandOptions,
): Promise<CommandResult> {
  const ctx = eventContextOf(service);
  assertImages(input.images);
  const category =
    input.categoryId === undefined ? undefined : await resolveCategory(ctx.mongo, ctx.tenantId, input.categoryId);
  if (input.sku) await assertSkuFree(ctx.mongo, ctx.tenantId, input.sku, productId);
  const wanted: ProductChanges = {};
  for (const field of UPDATABLE_FIELDS) {
    if (field === 'category') {
      if (category !== undefined) wanted.category = category;
    } else if (field === 'images') {
      if (input.images)
        wanted.images = input.images.map((i) => ({ url: i.url, alt: i.alt ?? null, isPrimary: i.isPrimary }));
    } else if (input[field] !== undefined) {
      (wanted as Record<string, unknown>)[field] = input[field];
    }
  }
  return runCommand(ctx, productId, opts, (current) => {
    const changes: ProductChanges = {};
    const previous: ProductChanges = {};
    for (const [field, value] of Object.entries(wanted) as Array<[keyof ProductChanges, unknown]>) {
      const before = field === 'category' ? (current.category ? current.category.id : null) : current[field];
      const after = field === 'category' ? (value ? (value as CategoryRef).id : null) : value;
      if (sameValue(before, after)) continue;
      (changes as Record<string, unknown>)[field] = value;
      (previous as Record<string, unknown>)[field] = current[field];
    }
    if (Object.keys(changes).length === 0) return null;
    return { eventType: 'ProductUpdatedEvent', data: { changes, previous } };
  });
}

export async function changePrice(
  ctx: ServiceContext,
  { productId, price: input, ...opts }: { productId: string; price: ChangePriceInput } & CommandOptions,
): Promise<CommandResult> {
  const compareAtPriceMinor = input.compareAtPriceMinor ?? null;
  assertPrices(input.priceMinor, compareAtPriceMinor);
  return runCommand(eventContextOf(ctx), productId, opts, (current) => {
    const currency = input.currency ?? current.currency;
    if (
      current.priceMinor === input.priceMinor &&
      current.compareAtPriceMinor === compareAtPriceMinor &&
      current.currency === currency
    )
      return null;
    return {
      eventType: 'PriceChangedEvent',
      data: {
        priceMinor: input.priceMinor,
        compareAtPriceMinor,
        currency,
        previousPriceMinor: current.priceMinor,
        previousCompareAtPriceMinor: current.compareAtPriceMinor,
        previousCurrency: current.currency,
      },
    };
  });
}

export async function changeStock(
  ctx: ServiceContext,
  { productId, stock: input, ...opts }: { productId: string; stock: ChangeStockInput } & CommandOptions,
): Promise<CommandResult> {
  return runCommand(eventContextOf(ctx), productId, opts, (current) => {
    const isDelta = 'delta' in input;
    const newQuantity = isDelta ? current.stockQuantity + input.delta : input.stockQuantity;
    if (newQuantity < 0) {
      throw catalogErrors.fieldConflict(
        'body.delta',
        `only ${current.stockQuantity} in stock; the change would make it negative`,
      );
    }
    if (newQuantity > MAX_STOCK)
      throw catalogErrors.invalidField(
        isDelta ? 'body.delta' : 'body.stockQuantity',
        `stock cannot exceed ${MAX_STOCK}`,
      );
    if (newQuantity === current.stockQuantity) return null;
    return {
      eventType: 'StockChangedEvent',
      data: {
        previousQuantity: current.stockQuantity,
        newQuantity,
        delta: newQuantity - current.stockQuantity,
        reason: isDelta ? 'adjust' : 'set',
      },
    };
  });
}

/** Soft delete: ProductDeletedEvent sets deletedAt, status ARCHIVED, published false. */
export async function deleteProduct(
  ctx: ServiceContext,
  { productId, ...opts }: { productId: string } & CommandOptions,
): Promise<CommandResult> {
  return runCommand(eventContextOf(ctx), productId, opts, (current) => ({
    eventType: 'ProductDeletedEvent',
    data: { previousStatus: current.status },
  }));
}
