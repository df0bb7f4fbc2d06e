/**
 * Product commands (event-sourced; see event-store.ts for the command loop, the
 * concurrency guard, the outbox and crash repair, product-reducer.ts for what events do).
 *
 * Every command but the create: load the product (one call), check If-Match, decide the
 * event, then ONE conditional update writes the projection and queues the event in the
 * document's outbox; the category counters move when the product enters or leaves one. HTTP
 * commands do not retry a lost race: the loser gets 409 (412 when it sent If-Match), so two
 * concurrent commands on one version never both win. The stock saga (stock.ts) reloads and
 * retries instead. The route flushes the outbox into the stream after the response.
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
  loadProduct,
  makeEvent,
  READ_PROJECTION,
  recordOf,
  runCommand,
  stateFromDoc,
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
import {
  applyEvent,
  projectionOf,
  UPDATABLE_FIELDS,
  type CategoryRef,
  type ProductChanges,
} from './product-reducer.ts';
import { assertImages, assertPrices, assertSkuFree, resolveCategory } from './product-rules.ts';
import { flushOutbox, type OutboxDoc } from './stock-ops.ts';

/** Same tenant + user + key -> same product id, so a retried create finds its first attempt. */
async function idempotentProductId(ctx: EventContext, key: string): Promise<ObjectId> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', utf8(`${ctx.tenantId}\n${ctx.userId ?? ''}\n${key}`)),
  );
  return ObjectId.createFromHexString(hexEncode(digest.subarray(0, 12)));
}

/**
 * Creates a product: ONE insertOne of the document at version 1, its projection and
 * ProductCreatedEvent in its outbox (the route flushes it into the stream after the
 * response). The unique {tenantId, slug} index decides the slug (given, or from name + brand;
 * a taken generated slug gets the next free `-N` suffix and is tried again). With an
 * Idempotency-Key the id is derived from the key, so a retry's insert collides on `_id`: it
 * returns the product made by the first call, and the document records the request's
 * fingerprint, so the same key with a different request is 422 (src/lib/idempotency.ts).
 */
export async function createProduct(
  service: ServiceContext,
  { product: input, ...opts }: { product: CreateProductInput; idempotencyKey?: string | undefined },
): Promise<{ record: ProductRecord; replayed: boolean; outbox: OutboxDoc | null }> {
  const ctx = eventContextOf(service);
  const products = ctx.mongo.collection<ProductDoc>(PRODUCTS);
  const _id = opts.idempotencyKey ? await idempotentProductId(ctx, opts.idempotencyKey) : new ObjectId();
  const id = _id.toHexString();
  const fingerprint = opts.idempotencyKey ? await requestFingerprint('POST /products', input) : undefined;
  /** After a DuplicateKeyError: the product an earlier call with this key made, if that is what collided. */
  const replay = async () => {
    if (!fingerprint) return null;
    const stored = await products.findOne({ _id, tenantId: ctx.tenantId }, { projection: READ_PROJECTION });
    if (!stored) return null;
    assertSameRequest(stored.requestFingerprint, fingerprint);
    const state = stateFromDoc(stored);
    // A version-0 reservation of the previous create: its event may be in the stream already.
    const record = state ? recordOf(state, stored) : await loadProduct(ctx.mongo, ctx.tenantId, { id });
    if (!record) throw problems.conflict('A request with this Idempotency-Key is still in progress; retry later.');
    return { record, replayed: true, outbox: null };
  };

  const compareAtPriceMinor = input.compareAtPriceMinor ?? null;
  assertPrices(input.priceMinor, compareAtPriceMinor);
  assertImages(input.images);
  let category: CategoryRef | null;
  try {
    [category] = await Promise.all([
      resolveCategory(ctx.mongo, ctx.tenantId, input.categoryId),
      // A retry with the same key finds its own product's SKU: not a conflict.
      assertSkuFree(ctx.mongo, ctx.tenantId, input.sku, opts.idempotencyKey ? id : undefined),
    ]);
  } catch (err) {
    // A retry answers what the first call made, even if its category is gone since.
    const replayed = await replay();
    if (replayed) return replayed;
    throw err;
  }

  const brand = input.specifications?.brand;
  const base = input.slug ?? slugify(input.name, typeof brand === 'string' ? brand : undefined);
  for (let attempt = 0; attempt < 8; attempt++) {
    // The base itself first (no query: a new name's slug is usually free), then the next free suffix.
    const slug = input.slug ?? (attempt === 0 ? base : await nextFreeSlug(ctx.mongo, PRODUCTS, ctx.tenantId, base));
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
    const state = applyEvent(null, event);
    const doc = {
      _id,
      ...projectionOf(state),
      averageRating: 0,
      reviewCount: 0,
      commandVersion: 1,
      stockOps: [{ eventId: event.eventId, event }],
      ...(fingerprint ? { requestFingerprint: fingerprint } : {}),
    };
    try {
      await products.insertOne(doc);
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      const replayed = await replay();
      if (replayed) return replayed;
      if (input.slug) throw catalogErrors.fieldConflict('body.slug', `slug '${input.slug}' is taken`);
      continue;
    }
    await adjustCategoryCounts(ctx.mongo, ctx.tenantId, null, state);
    return { record: recordOf(state, null), replayed: false, outbox: doc };
  }
  throw problems.conflict('Could not find a free slug; retry.');
}

/** Moves what a command queued in the product's outbox into the event stream (routes run it after the response). */
export async function flushCommandOutbox(ctx: ServiceContext, outbox: OutboxDoc): Promise<void> {
  await flushOutbox(ctx.stores.mongo(), outbox);
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

/**
 * PATCH: ProductUpdatedEvent with the fields that really change (none: no event). The category
 * and SKU checks run side by side with the command's load.
 */
export async function updateProduct(
  service: ServiceContext,
  { productId, patch: input, ...opts }: { productId: string; patch: UpdateProductInput } & CommandOptions,
): Promise<CommandResult> {
  const ctx = eventContextOf(service);
  assertImages(input.images);
  const checked = Promise.all([
    input.categoryId === undefined ? undefined : resolveCategory(ctx.mongo, ctx.tenantId, input.categoryId),
    input.sku ? assertSkuFree(ctx.mongo, ctx.tenantId, input.sku, productId) : undefined,
  ]);
  void checked.catch(() => undefined); // awaited by decide; a load that fails first must not leave it unhandled
  return runCommand(ctx, productId, opts, async (current) => {
    const [category] = await checked;
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
