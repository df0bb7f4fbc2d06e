/**
 * Edge cache of the anonymous public catalog reads (Workers Cache API, `caches.default`).
 *
 * Declared per route: `middleware: [edgeCache(cacheRules.product)]` on a read,
 * `middleware: [requirePermission(...), purgesCache(...)]` on a write.
 *
 * - Key: tenant (X-Tenant-ID, else the tenant whose domain is the Host), path without a trailing
 *   slash, query sorted by name then value: the same entry whichever way the tenant is named.
 * - Only anonymous GETs of a known tenant are cached; a request with credentials (users and
 *   staff: their views differ and must never be shared) bypasses (`x-cache: BYPASS`).
 * - Fresh for EDGE_CACHE_S_MAXAGE seconds (`x-cache: HIT`), then served stale for
 *   EDGE_CACHE_STALE_WHILE_REVALIDATE more seconds while one background request refills the
 *   entry (`x-cache: STALE`); after that, or once purged, it is a `MISS` that asks the store.
 * - Entries carry an ETag (the route's own, e.g. a product's version, else a hash of the body);
 *   `If-None-Match` answers 304 from the cache.
 * - Tags (services/catalog/cache-tags.ts) are recorded with each entry: locally as tag
 *   generations, globally in the `Cache-Tag` header Cloudflare's purge-by-tag API matches.
 *   The generations of the request's tags are read before the store is asked, so a write that
 *   purges them while the fill is in flight leaves a fill that is already invalid; on a hit
 *   they are read together with the entry (one round trip to the cache).
 *
 * Only HTTP responses are cached: services (checkout re-pricing included) always read the store.
 */
import type { Context, MiddlewareHandler } from 'hono';

import type { Env } from '../env.ts';
import { hexEncode } from '../lib/bytes.ts';
import { configOf } from '../lib/config.ts';
import { etagMatches } from '../lib/etag.ts';
import { isObjectIdHex } from '../lib/ids.ts';
import type { AppEnv } from '../lib/types.ts';
import {
  catalogTags,
  currentGenerations,
  defaultCache,
  generationsForFill,
  memoizedEntry,
  purgeCatalogTags,
  rememberEntry,
} from '../services/catalog/index.ts';
import { knownTenantId } from './tenant.ts';

const KEY_ORIGIN = 'https://edge-cache.internal/v1/';
const H_TAGS = 'x-edge-tags';
const H_GENS = 'x-edge-gens';
const H_STORED_AT = 'x-edge-stored-at';

export interface EdgeCacheSettings {
  enabled: boolean;
  sMaxAge: number;
  staleWhileRevalidate: number;
  /** Requests sending `x-edge-cache-bypass: <token>` skip the cache (benchmarks, debugging); unset: nobody. */
  bypassToken: string | undefined;
  /** How long this isolate trusts generations it confirmed (services/catalog/cache-memo.ts); 0: no memo. */
  memoMs: number;
}

function edgeCacheSettings(env: Partial<Env>): EdgeCacheSettings {
  return configOf(env).edgeCache;
}

export interface CacheRequest {
  tenantId: string;
  param: (name: string) => string | undefined;
}

/** What a cacheable read depends on. */
export interface CacheRule {
  /** Tags known from the request alone; their generations are read before the store is asked. */
  tags(req: CacheRequest): string[];
  /** Tags learned from the 200 body (the id of a product asked for by slug). */
  bodyTags?(tenantId: string, body: unknown): string[];
}

export const cacheRules = {
  /**
   * GET /products/{idOrSlug}: a 24-hex value is tried as an id, then as a slug. Every write
   * of a product purges both its id and its slug tag, so the request's own key is enough.
   */
  product: {
    tags: ({ tenantId, param }) => {
      const key = (param('idOrSlug') ?? '').toLowerCase();
      const tags = [catalogTags.slug(tenantId, key), catalogTags.categories(tenantId)];
      if (isObjectIdHex(key)) tags.push(catalogTags.product(tenantId, key));
      return tags;
    },
  },
  productList: { tags: ({ tenantId }) => [catalogTags.lists(tenantId), catalogTags.categories(tenantId)] },
  categories: { tags: ({ tenantId }) => [catalogTags.categories(tenantId)] },
  /** GET /products/{id}/reviews */
  reviews: {
    tags: ({ tenantId, param }) => {
      const id = (param('id') ?? '').toLowerCase();
      return [catalogTags.reviews(tenantId, id), catalogTags.product(tenantId, id)];
    },
  },
} satisfies Record<string, CacheRule>;

/** Normalized key: tenant, path without trailing slash, query sorted by name then value. */
export function cacheKey(tenantId: string, url: string): string {
  const u = new URL(url);
  const params = [...u.searchParams].sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  const query = new URLSearchParams(params).toString();
  const path = u.pathname.replace(/\/+$/, '') || '/';
  return `${KEY_ORIGIN}${tenantId.toLowerCase()}${path}${query ? `?${query}` : ''}`;
}

function clientCacheControl(s: EdgeCacheSettings): string {
  return `public, max-age=0, s-maxage=${s.sMaxAge}, stale-while-revalidate=${s.staleWhileRevalidate}`;
}

async function bodyEtag(body: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', body));
  return `"${hexEncode(digest.subarray(0, 16))}"`;
}

function waitUntilOf(c: Context<AppEnv>): ((p: Promise<unknown>) => void) | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined; // app.request() without an execution context
  }
}

// ---------------------------------------------------------------------------
// Background refill of stale entries
// ---------------------------------------------------------------------------

type Dispatch = (request: Request, env: Env, ctx: Context<AppEnv>['executionCtx']) => Response | Promise<Response>;
let dispatcher: Dispatch | undefined;
/** Requests made by a refill: they skip the lookup and fill the entry. Not forgeable by clients. */
const refills = new WeakSet<Request>();
/** Keys being refilled by this isolate: one refill per key at a time. */
const refilling = new Set<string>();

/** The app's fetch, used to refill stale entries in the background (app.ts registers it). Returns the previous one. */
export function serveEdgeCacheRefillsWith(dispatch: Dispatch | undefined): Dispatch | undefined {
  const previous = dispatcher;
  dispatcher = dispatch;
  return previous;
}

function refillInBackground(c: Context<AppEnv>, key: string): void {
  const waitUntil = waitUntilOf(c);
  if (!dispatcher || !waitUntil || refilling.has(key)) return;
  const headers = new Headers(c.req.raw.headers);
  headers.delete('if-none-match');
  const request = new Request(c.req.raw.url, { method: 'GET', headers });
  refills.add(request);
  refilling.add(key);
  const dispatch = dispatcher;
  waitUntil(
    (async () => {
      try {
        const res = await dispatch(request, c.env, c.executionCtx);
        await res.body?.cancel();
      } catch (err) {
        c.get('logger')?.warn('edge cache refill failed', { key, err: String(err) });
      } finally {
        refilling.delete(key);
      }
    })(),
  );
}

// ---------------------------------------------------------------------------
// The read middleware
// ---------------------------------------------------------------------------

function bypass(c: Context<AppEnv>, s: EdgeCacheSettings): string | null {
  if (c.req.header('authorization') || c.req.header('x-api-key')) return 'credentials';
  if (!s.enabled) return 'disabled';
  if (s.bypassToken && c.req.header('x-edge-cache-bypass') === s.bypassToken) return 'requested';
  return null;
}

type State = 'HIT' | 'STALE' | 'MISS';

/** The client's response for a stored entry (or a 304 when If-None-Match matches its ETag). */
function respond(
  c: Context<AppEnv>,
  stored: Response,
  body: BodyInit | null,
  state: State,
  s: EdgeCacheSettings,
): Response {
  const etag = stored.headers.get('etag');
  const headers = new Headers({ 'cache-control': clientCacheControl(s), 'x-cache': state });
  if (etag) headers.set('etag', etag);
  const storedAt = Number(stored.headers.get(H_STORED_AT));
  if (state !== 'MISS' && storedAt > 0)
    headers.set('age', String(Math.max(0, Math.floor((Date.now() - storedAt) / 1000))));
  if (etagMatches(c.req.header('if-none-match'), etag)) return new Response(null, { status: 304, headers });
  headers.set('content-type', stored.headers.get('content-type') ?? 'application/json');
  return new Response(body, { status: 200, headers });
}

/** What the isolate memo keeps of a stored entry (its tags and generations are in its headers). */
function memoEntryOf(stored: Response, body: ArrayBuffer) {
  const split = (h: string) => (stored.headers.get(h) ?? '').split(' ').filter(Boolean);
  return {
    body,
    headers: [...stored.headers.entries()],
    tags: split(H_TAGS),
    gens: split(H_GENS),
    storedAt: Number(stored.headers.get(H_STORED_AT)),
  };
}

/**
 * A stored entry that is still valid (none of its tags purged since), with its freshness.
 * The generations of the request's tags are read together with the entry (one round trip);
 * tags the entry learned from its body, if any, cost a second one.
 */
async function lookup(
  cache: Cache,
  key: string,
  tags: string[],
  s: EdgeCacheSettings,
): Promise<{ found: { entry: Response; state: 'HIT' | 'STALE' } | null; generations: Array<string | null> }> {
  const [entry, upfront] = await Promise.all([cache.match(key), currentGenerations(cache, tags)]);
  const miss = { found: null, generations: upfront };
  if (!entry) return miss;
  const stored = (entry.headers.get(H_TAGS) ?? '').split(' ').filter(Boolean);
  const gens = (entry.headers.get(H_GENS) ?? '').split(' ');
  const late = stored.filter((t) => !tags.includes(t));
  const lateGens = late.length ? await currentGenerations(cache, late) : [];
  const current = new Map<string, string | null>([
    ...tags.map((t, i) => [t, upfront[i]!] as const),
    ...late.map((t, i) => [t, lateGens[i]!] as const),
  ]);
  if (stored.length === 0 || stored.some((t, i) => current.get(t) == null || current.get(t) !== gens[i])) {
    await entry.body?.cancel();
    return miss; // purged: never served, not even stale
  }
  const ageS = (Date.now() - Number(entry.headers.get(H_STORED_AT))) / 1000;
  if (!(ageS >= 0) || ageS > s.sMaxAge + s.staleWhileRevalidate) {
    await entry.body?.cancel();
    return miss;
  }
  return { found: { entry, state: ageS <= s.sMaxAge ? 'HIT' : 'STALE' }, generations: upfront };
}

/** Serves anonymous GETs of the route from `caches.default` when fresh; fills it on a miss. */
export function edgeCache(rule: CacheRule): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const s = edgeCacheSettings(c.env);
    const why = c.req.method === 'GET' ? bypass(c, s) : 'method';
    // The tenant as every route resolves it (middleware/tenant.ts; the Host looked up at most once,
    // before this, by the route's access declaration). None or malformed: not cacheable, the route answers.
    const tenantId = why ? null : knownTenantId(c);
    const cache = tenantId ? await defaultCache() : null;
    if (!tenantId || !cache) {
      await next();
      if (why === 'credentials' && !c.res.headers.has('cache-control'))
        c.res.headers.set('cache-control', 'private, no-store');
      c.res.headers.set('x-cache', 'BYPASS');
      return;
    }
    const key = cacheKey(tenantId, c.req.url);
    const tags = rule.tags({ tenantId, param: (name) => c.req.param(name) });

    let known: Array<string | null> | undefined;
    if (!refills.has(c.req.raw)) {
      const memo = memoizedEntry(key, Date.now(), s.sMaxAge * 1000, s.memoMs);
      if (memo) return respond(c, new Response(null, { headers: memo.headers }), memo.body, 'HIT', s);
      const { found, generations } = await lookup(cache, key, tags, s);
      if (found) {
        if (found.state === 'STALE') refillInBackground(c, key);
        const body = await found.entry.arrayBuffer();
        if (found.state === 'HIT') rememberEntry(key, memoEntryOf(found.entry, body));
        return respond(c, found.entry, body, found.state, s);
      }
      known = generations;
    }

    // MISS: the generations of the request's tags (read by the lookup, before the store is asked).
    const gens = await generationsForFill(cache, tags, known);
    await next();
    if (c.res.status !== 200) {
      c.res.headers.set('x-cache', 'MISS');
      return;
    }
    const body = await c.res.clone().arrayBuffer();
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(body));
    } catch {
      parsed = undefined;
    }
    const lateTags = (rule.bodyTags?.(tenantId, parsed) ?? []).filter((t) => !tags.includes(t));
    const allTags = [...tags, ...lateTags];
    const allGens = [...gens, ...(await generationsForFill(cache, lateTags))];
    const etag = c.res.headers.get('etag') ?? (await bodyEtag(body));
    const stored = new Response(body, {
      headers: {
        'content-type': c.res.headers.get('content-type') ?? 'application/json',
        etag,
        // Kept past s-maxage for stale-while-revalidate; freshness is decided from H_STORED_AT.
        'cache-control': `public, s-maxage=${s.sMaxAge + s.staleWhileRevalidate}`,
        'cache-tag': [catalogTags.tenant(tenantId), ...allTags].join(','),
        [H_TAGS]: allTags.join(' '),
        [H_GENS]: allGens.join(' '),
        [H_STORED_AT]: String(Date.now()),
      },
    });
    if (s.sMaxAge + s.staleWhileRevalidate > 0) {
      await cache.put(key, stored.clone());
      rememberEntry(key, memoEntryOf(stored, body));
    }
    c.res = undefined; // replace the handler's response (not merge its headers into ours)
    c.res = respond(c, stored, body, 'MISS', s);
  };
}

// ---------------------------------------------------------------------------
// The write middleware
// ---------------------------------------------------------------------------

export interface PurgeSpec {
  /** Tags known before the write runs (e.g. from a lookup of what it will change). */
  before?(c: Context<AppEnv>, tenantId: string): string[] | Promise<string[]>;
  /** Tags from the successful response's JSON body (undefined for 204) and the request. */
  after?(c: Context<AppEnv>, tenantId: string, body: unknown): string[];
}

/** After a successful write (2xx), purges the catalog reads it changed, locally at once and globally. */
export function purgesCache(spec: PurgeSpec): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next(); // a read shares a route group with writes
    const tenantId = c.get('principal')?.tenantId;
    const early = tenantId && spec.before ? await spec.before(c, tenantId) : [];
    await next();
    if (!tenantId || c.res.status < 200 || c.res.status >= 300) return;
    let body: unknown;
    if ((c.res.headers.get('content-type') ?? '').includes('json'))
      body = await c.res
        .clone()
        .json()
        .catch(() => undefined);
    const tags = [...early, ...(spec.after?.(c, tenantId, body) ?? [])];
    await purgeCatalogTags(c.env, tags, { waitUntil: waitUntilOf(c), logger: c.get('logger') });
  };
}

// ---------------------------------------------------------------------------
// Reads of the cache by other services (carts): no store call, no fill
// ---------------------------------------------------------------------------

/**
 * The body of the anonymous catalog read `path` (e.g. `/api/v1/products/<id>`) if the cache holds
 * a valid entry for it now (fresh or stale; purged entries never), else undefined. Never asks the
 * store and never fills: `readThroughCatalog` does that, off the caller's critical path.
 */
export async function peekCatalogRead(
  env: Env,
  tenantId: string,
  path: string,
  rule: CacheRule,
  param: (name: string) => string | undefined,
): Promise<unknown> {
  const s = edgeCacheSettings(env);
  const cache = s.enabled ? await defaultCache() : null;
  if (!cache) return undefined;
  const key = cacheKey(tenantId, new URL(path, 'https://catalog.internal').href);
  const memo = memoizedEntry(key, Date.now(), s.sMaxAge * 1000, s.memoMs);
  // As the read itself does: a fresh entry is remembered in the isolate memo (purges reach it within memoMs).
  const body = memo
    ? memo.body
    : await lookup(cache, key, rule.tags({ tenantId, param }), s).then(async ({ found }) => {
        if (!found) return undefined;
        const bytes = await found.entry.arrayBuffer();
        if (found.state === 'HIT') rememberEntry(key, memoEntryOf(found.entry, bytes));
        return bytes;
      });
  if (!body) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown;
  } catch {
    return undefined;
  }
}

/** Catalog reads for carts in flight in this isolate, by tenant and path: concurrent askers share one. */
const catalogReads = new Map<string, Promise<{ status: number; body: unknown }>>();

/**
 * The anonymous catalog read `path` made through the app itself (so a MISS fills the cache as any
 * anonymous read would), after the current response (waitUntil); `then` gets its status and body.
 * Concurrent reads of one path share one request.
 */
export function readThroughCatalogLater(
  c: Context<AppEnv>,
  tenantId: string,
  path: string,
  then: (status: number, body: unknown) => Promise<void>,
): void {
  const waitUntil = waitUntilOf(c);
  if (!dispatcher || !waitUntil) return;
  const key = `${tenantId}:${path}`;
  let read = catalogReads.get(key);
  if (!read) {
    const dispatch = dispatcher;
    const request = new Request(new URL(path, c.req.url), { headers: { 'x-tenant-id': tenantId } });
    read = (async () => {
      try {
        const res = await dispatch(request, c.env, c.executionCtx);
        const body: unknown = res.status === 200 ? await res.json() : await res.body?.cancel();
        return { status: res.status, body };
      } finally {
        catalogReads.delete(key);
      }
    })();
    catalogReads.set(key, read);
  }
  waitUntil(
    read
      .then(({ status, body }) => then(status, body))
      .catch((err: unknown) => c.get('logger')?.warn('catalog read for a cart failed', { path, err: String(err) })),
  );
}
