/**
 * Cache tags of the public catalog reads, and which tags a change purges.
 *
 * One set of names serves both purges: the local one (src/middleware/edge-cache.ts keeps a
 * generation per tag in this data center's cache) and the global one (Cloudflare's
 * purge-by-tag API, through the `Cache-Tag` header every stored entry carries).
 * Every tag names its tenant, since tags are global to a Cloudflare zone.
 *
 * What a cached read depends on:
 *  - a product (by id or slug): its id tag, its slug tag, the tenant's categories (the product
 *    embeds a copy of its category);
 *  - a product list: the tenant's lists tag and categories (lists embed category copies and a
 *    category filter resolves the subtree);
 *  - the category tree and a category: the tenant's categories;
 *  - a product's reviews: the product's reviews tag and its id tag (a deleted product is 404).
 */
import { purgeTagsGlobally } from '../../lib/cloudflare-purge.ts';
import type { Logger } from '../../lib/logger.ts';
import { rememberGenerations } from './cache-memo.ts';

export const catalogTags = {
  /** Everything of a tenant (global purge of a whole shop). */
  tenant: (tenantId: string) => `t:${tenantId}`,
  product: (tenantId: string, productId: string) => `t:${tenantId}:p:${productId.toLowerCase()}`,
  slug: (tenantId: string, slug: string) => `t:${tenantId}:s:${slug}`,
  /** Every product list of the tenant: any product change can move a product in or out of one. */
  lists: (tenantId: string) => `t:${tenantId}:lists`,
  /** The category tree, each category, and every embedded category copy. */
  categories: (tenantId: string) => `t:${tenantId}:categories`,
  reviews: (tenantId: string, productId: string) => `t:${tenantId}:r:${productId.toLowerCase()}`,
};

/** What a product change makes stale: the product (by id and slug) and every list; categories when counts can move. */
export function productChangeTags(
  tenantId: string,
  change: { productId: string; slug?: string | null | undefined; countsMayChange: boolean },
): string[] {
  const tags = [catalogTags.product(tenantId, change.productId), catalogTags.lists(tenantId)];
  if (change.slug) tags.push(catalogTags.slug(tenantId, change.slug));
  if (change.countsMayChange) tags.push(catalogTags.categories(tenantId));
  return tags;
}

/** A category change: the tree, the categories, and (through the embedded copies) products and lists. */
export function categoryChangeTags(tenantId: string): string[] {
  return [catalogTags.categories(tenantId)];
}

/** A review became visible, hidden, or changed: the product's public review list. */
export function reviewChangeTags(tenantId: string, productId: string): string[] {
  return [catalogTags.reviews(tenantId, productId)];
}

/** A product's rating was recomputed: the product (shows it) and every list (shows it, sorts by it). */
export function ratingChangeTags(tenantId: string, productId: string): string[] {
  return [catalogTags.product(tenantId, productId), catalogTags.lists(tenantId)];
}

// ---------------------------------------------------------------------------
// Tag generations (local purge) and the purge itself
// ---------------------------------------------------------------------------

/**
 * The Cache API has no purge by tag, so each tag has a generation: a random token stored
 * in the same cache under a key of its own. An entry records the generations of its tags
 * when it is filled and counts as purged when any of them has changed. Purging a tag is
 * one `put` of a new token: no read-modify-write, so concurrent fills and purges never
 * lose a purge, and an evicted generation only turns entries into misses, never into
 * stale hits.
 */
const GENERATION_ORIGIN = 'https://edge-cache.internal/__tag/';
/** Generations outlive every entry (entries live s-maxage + stale-while-revalidate). */
const GENERATION_TTL_S = 7 * 24 * 3600;

/** The cache key of a tag's generation (exported for tests that purge as another isolate would). */
export const generationKey = (tag: string) => GENERATION_ORIGIN + encodeURIComponent(tag);

async function putGeneration(cache: Cache, tag: string, token: string): Promise<void> {
  await cache.put(
    generationKey(tag),
    new Response(token, { headers: { 'cache-control': `public, s-maxage=${GENERATION_TTL_S}` } }),
  );
  rememberGenerations([tag], [token], Date.now()); // this isolate's memo sees its own purges at once
}

/** Current generation of each tag (null when unknown: evicted or never written). */
export async function currentGenerations(cache: Cache, tags: readonly string[]): Promise<Array<string | null>> {
  const readAt = Date.now(); // confirmed as of the start of the read: a purge during it counts as later
  const gens = await Promise.all(
    tags.map(async (tag) => {
      const hit = await cache.match(generationKey(tag));
      return hit ? hit.text() : null;
    }),
  );
  rememberGenerations(tags, gens, readAt);
  return gens;
}

/**
 * Generations of `tags` for a new entry: the current ones (read now, or `known` from the lookup
 * that just missed), new tokens where there is none.
 */
export async function generationsForFill(
  cache: Cache,
  tags: readonly string[],
  known?: ReadonlyArray<string | null>,
): Promise<string[]> {
  const current = known ?? (await currentGenerations(cache, tags));
  return Promise.all(
    current.map(async (gen, i) => {
      if (gen !== null) return gen;
      const token = crypto.randomUUID();
      await putGeneration(cache, tags[i]!, token);
      return token;
    }),
  );
}

export interface PurgeEnv {
  CF_ZONE_ID?: string;
  CF_API_TOKEN?: string;
  /** Tests and proxies: another base URL for Cloudflare's API. */
  CF_API_BASE_URL?: string;
}

export interface PurgeOptions {
  /** Runs the global purge after the response (an ExecutionContext's waitUntil); awaited when absent. */
  waitUntil?: (promise: Promise<unknown>) => void;
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * Purges `tags`: in this data center at once (new generations), and in every data center
 * through Cloudflare's purge-by-tag API when CF_ZONE_ID and CF_API_TOKEN are set. A failed
 * global purge is logged, not thrown: the write it follows is done, and entries elsewhere
 * expire after s-maxage + stale-while-revalidate.
 */
export async function purgeCatalogTags(env: PurgeEnv, tags: readonly string[], opts: PurgeOptions = {}): Promise<void> {
  const unique = [...new Set(tags)];
  if (unique.length === 0) return;
  const cache = await defaultCache();
  if (cache) await Promise.all(unique.map((tag) => putGeneration(cache, tag, crypto.randomUUID())));
  if (!env.CF_ZONE_ID || !env.CF_API_TOKEN) return;
  const global = purgeTagsGlobally(
    { zoneId: env.CF_ZONE_ID, apiToken: env.CF_API_TOKEN, baseUrl: env.CF_API_BASE_URL },
    unique,
  ).catch((err: unknown) =>
    opts.logger?.error('global cache purge failed; other data centers serve until s-maxage + stale-while-revalidate', {
      tags: unique,
      err: String(err),
    }),
  );
  if (opts.waitUntil) opts.waitUntil(global);
  else await global;
}

/** `caches.default` where the runtime has it (Workers, workerd, Miniflare); null elsewhere. */
export async function defaultCache(): Promise<Cache | null> {
  const storage = (globalThis as { caches?: CacheStorage & { default?: Cache } }).caches;
  return storage?.default ?? null;
}
