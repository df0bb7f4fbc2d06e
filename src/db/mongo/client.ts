/**
 * MongoDB Data API v1 client for the Worker: `fetch` + EJSON (canonical), no Node APIs.
 *
 * Wire format (what `gateway/` speaks; FerretDB v2.7's own Data API listener does not fit: it
 * answers plain JSON, ObjectIds and dates as strings and null as {}, without findOneAndUpdate or
 * hint; see docs/deploying.md):
 *   POST {baseUrl}/action/<find|findOne|insertOne|insertMany|updateOne|updateMany|deleteOne|deleteMany|aggregate>
 *   and, served by `gateway/` only (not in Atlas's v1): findOneAndUpdate, and `hint` on find
 *   content-type: application/ejson, accept: application/ejson, api-key: <key>
 *   body: {"dataSource", "database", "collection", "filter"?, "projection"?, "sort"?, "limit"?, "skip"?,
 *          "document"?, "documents"?, "update"?, "upsert"?, "pipeline"?}   (canonical EJSON)
 *   200/201 -> {documents} | {document} | {insertedId} | {insertedIds}
 *              | {matchedCount, modifiedCount, upsertedId?} | {deletedCount}
 *   4xx/5xx -> {error, error_code, code?, keyPattern?, keyValue?}   (see gateway/README.md)
 *
 * ObjectId, Date, Decimal128, Long... round-trip through EJSON. Responses are parsed in
 * relaxed mode, so numbers come back as JS numbers (Long beyond 2^53 stays a `Long`).
 *
 * Pitfall: inside filters and documents EJSON turns `undefined` into `null` (as the
 * driver does by default), so `{ deletedAt: undefined }` matches null-or-missing and
 * `$set: { x: undefined }` stores null. Top-level options left `undefined` are omitted.
 */
import { EJSON } from 'bson';

import type { CallClock } from '../call-clock.ts';
import {
  DataApiAuthError,
  DataApiError,
  DataApiTimeoutError,
  DataApiUnavailableError,
  DuplicateKeyError,
} from './errors.ts';
import type {
  CallOptions,
  DataApiAction,
  DeleteResult,
  Document,
  Filter,
  FindOneAndUpdateOptions,
  FindOneOptions,
  FindOptions,
  IdOf,
  InsertManyResult,
  InsertOneResult,
  OptionalId,
  Update,
  UpdateOptions,
  UpdateResult,
  WithId,
} from './types.ts';

export type * from './types.ts';

/** The subset of `fetch` the client needs (Workers' global fetch, a service binding's fetch, Node's fetch). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** Reported once per Data API call, after it settled (success or failure). */
export interface DataApiRequestEvent {
  action: DataApiAction;
  database: string;
  collection: string;
  /** HTTP status; 0 when no response arrived (network error, timeout). */
  status: number;
  ok: boolean;
  durationMs: number;
  error?: DataApiError;
}

export interface DataApiClientConfig {
  /** e.g. `http://127.0.0.1:8788` (gateway) or `https://host/app/<id>/endpoint/data/v1`; `/action/<name>` is appended. */
  baseUrl: string;
  apiKey: string;
  /** Cluster name the server expects (Atlas: the linked data source; gateway: its `dataSource` option). */
  dataSource: string;
  database: string;
  /** Per-call timeout in ms (request + reading the response). Default 10000. */
  timeoutMs?: number;
  /** Defaults to the global `fetch`, looked up at call time. */
  fetch?: FetchLike;
  /** Hook called after every call (metrics, logging, benchmarks). Exceptions it throws are ignored. */
  onRequest?: (event: DataApiRequestEvent) => void;
  /** When each call was in flight (round trips on the critical path, db/call-clock.ts). */
  clock?: CallClock;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

/** Live counters, shared by every collection handle (and `withDatabase` clone) of a client. */
export interface DataApiStats {
  /** Data API calls made (HTTP requests attempted). */
  calls: number;
  /** Calls that ended in an error (any DataApiError). */
  errors: number;
  /** Calls per action. */
  byAction: Partial<Record<DataApiAction, number>>;
  /** Sum of call durations in ms. */
  totalMs: number;
}

export interface DataApiCollection<T extends object = Document> {
  readonly name: string;
  find<R = WithId<T>>(filter?: Filter<T>, options?: FindOptions): Promise<R[]>;
  findOne<R = WithId<T>>(filter?: Filter<T>, options?: FindOneOptions): Promise<R | null>;
  insertOne(document: OptionalId<T>, options?: CallOptions): Promise<InsertOneResult<IdOf<T>>>;
  insertMany(documents: readonly OptionalId<T>[], options?: CallOptions): Promise<InsertManyResult<IdOf<T>>>;
  updateOne(filter: Filter<T>, update: Update<T>, options?: UpdateOptions): Promise<UpdateResult>;
  updateMany(filter: Filter<T>, update: Update<T>, options?: UpdateOptions): Promise<UpdateResult>;
  /** Atomic conditional update returning the document (after, by default); null when nothing matched. gateway/ only. */
  findOneAndUpdate<R = WithId<T>>(
    filter: Filter<T>,
    update: Update<T>,
    options?: FindOneAndUpdateOptions,
  ): Promise<R | null>;
  deleteOne(filter: Filter<T>, options?: CallOptions): Promise<DeleteResult>;
  /** `deleteMany({})` deletes every document of the collection. */
  deleteMany(filter: Filter<T>, options?: CallOptions): Promise<DeleteResult>;
  /** Keep pipelines to what FerretDB v2 on DocumentDB (dev/test) and MongoDB both run. */
  aggregate<R = Document>(pipeline: readonly Document[], options?: CallOptions): Promise<R[]>;
}

export interface DataApiClient {
  readonly database: string;
  readonly dataSource: string;
  readonly stats: DataApiStats;
  collection<T extends object = Document>(name: string): DataApiCollection<T>;
  /** Same server, key and stats, another database (e.g. one database per service). */
  withDatabase(database: string): DataApiClient;
  resetStats(): void;
  /** Low-level escape hatch: one call, raw (EJSON-parsed) response body. */
  action<R = Document>(action: DataApiAction, collection: string, body: Document, options?: CallOptions): Promise<R>;
}

const DEFAULT_TIMEOUT_MS = 10_000;

export function createDataApiClient(config: DataApiClientConfig): DataApiClient {
  if (!config.baseUrl) throw new TypeError('createDataApiClient: baseUrl is required');
  if (!config.apiKey) throw new TypeError('createDataApiClient: apiKey is required');
  if (!config.dataSource) throw new TypeError('createDataApiClient: dataSource is required');
  if (!config.database) throw new TypeError('createDataApiClient: database is required');
  const stats: DataApiStats = { calls: 0, errors: 0, byAction: {}, totalMs: 0 };
  return buildClient({ ...config, baseUrl: config.baseUrl.replace(/\/+$/, '') }, stats);
}

function buildClient(config: DataApiClientConfig, stats: DataApiStats): DataApiClient {
  const defaultTimeout = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Never call an unbound method of another object: Workers throw "Illegal invocation".
  const doFetch: FetchLike = config.fetch ?? ((input, init) => fetch(input, init));
  const headers: Record<string, string> = {
    ...config.headers,
    'content-type': 'application/ejson',
    accept: 'application/ejson',
    'api-key': config.apiKey,
  };

  async function call<R>(action: DataApiAction, collection: string, body: Document, opts?: CallOptions): Promise<R> {
    const timeoutMs = opts?.timeoutMs ?? defaultTimeout;
    const started = Date.now();
    stats.calls++;
    stats.byAction[action] = (stats.byAction[action] ?? 0) + 1;
    const answered = config.clock?.begin();
    let status = 0;
    try {
      const payload = EJSON.stringify(
        { dataSource: config.dataSource, database: config.database, collection, ...withoutUndefined(body) },
        { relaxed: false },
      );
      const signal = AbortSignal.timeout(timeoutMs);
      let text: string;
      try {
        const res = await doFetch(`${config.baseUrl}/action/${action}`, {
          method: 'POST',
          headers,
          body: payload,
          signal,
        });
        status = res.status;
        // Decoded by hand: workerd warns when .text() reads an application/ejson body.
        text = new TextDecoder().decode(await res.arrayBuffer());
        if (!res.ok) throw httpError(action, res.status, text);
      } catch (err) {
        if (err instanceof DataApiError) throw err;
        if (signal.aborted) {
          throw new DataApiTimeoutError(`Data API ${action} on ${collection} timed out after ${timeoutMs} ms`, {
            action,
            timeoutMs,
            cause: err,
          });
        }
        throw new DataApiUnavailableError(
          `Data API ${action} on ${collection}: cannot reach ${config.baseUrl}: ${errorMessage(err)}`,
          { status, code: 'NetworkError', action, cause: err },
        );
      }
      let parsed: unknown;
      try {
        parsed = EJSON.parse(text);
      } catch (err) {
        throw new DataApiError(`Data API ${action}: response is not valid EJSON`, {
          status,
          code: 'InvalidResponse',
          action,
          body: text.slice(0, 500),
          cause: err,
        });
      }
      if (!isPlainObject(parsed)) {
        throw new DataApiError(`Data API ${action}: response is not an object`, {
          status,
          code: 'InvalidResponse',
          action,
          body: parsed,
        });
      }
      finish(action, collection, status, started);
      return parsed as R;
    } catch (err) {
      const error =
        err instanceof DataApiError
          ? err
          : new DataApiError(`Data API ${action}: ${errorMessage(err)}`, {
              status,
              code: 'ClientError',
              action,
              cause: err,
            });
      finish(action, collection, status, started, error);
      throw error;
    } finally {
      answered?.();
    }
  }

  function finish(
    action: DataApiAction,
    collection: string,
    status: number,
    started: number,
    error?: DataApiError,
  ): void {
    const durationMs = Date.now() - started;
    stats.totalMs += durationMs;
    if (error) stats.errors++;
    if (!config.onRequest) return;
    try {
      config.onRequest({ action, database: config.database, collection, status, ok: !error, durationMs, error });
    } catch {
      // a metrics hook must never break a query
    }
  }

  function expect<V>(action: DataApiAction, res: Document, key: string, check: (v: unknown) => boolean): V {
    const value = res[key];
    if (!check(value)) {
      throw new DataApiError(`Data API ${action}: response lacks a valid "${key}"`, {
        status: 200,
        code: 'InvalidResponse',
        action,
        body: res,
      });
    }
    return value as V;
  }

  const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);

  function updateResult(action: DataApiAction, res: Document): UpdateResult {
    const out: UpdateResult = {
      matchedCount: expect<number>(action, res, 'matchedCount', isCount),
      modifiedCount: expect<number>(action, res, 'modifiedCount', isCount),
    };
    if (res.upsertedId !== undefined && res.upsertedId !== null) out.upsertedId = res.upsertedId;
    return out;
  }

  function collection<T extends object = Document>(name: string): DataApiCollection<T> {
    if (!name || name.includes('$')) throw new TypeError(`invalid collection name: ${JSON.stringify(name)}`);
    return {
      name,
      async find<R = WithId<T>>(filter: Filter<T> = {}, options: FindOptions = {}): Promise<R[]> {
        const { timeoutMs, ...rest } = options;
        const res = await call<Document>('find', name, { filter, ...rest }, { timeoutMs });
        return expect<R[]>('find', res, 'documents', Array.isArray);
      },
      async findOne<R = WithId<T>>(filter: Filter<T> = {}, options: FindOneOptions = {}): Promise<R | null> {
        const { timeoutMs, ...rest } = options;
        const res = await call<Document>('findOne', name, { filter, ...rest }, { timeoutMs });
        return expect<R | null>('findOne', res, 'document', (v) => v === null || isPlainObject(v));
      },
      async insertOne(document: OptionalId<T>, options?: CallOptions): Promise<InsertOneResult<IdOf<T>>> {
        const res = await call<Document>('insertOne', name, { document }, options);
        return { insertedId: expect<IdOf<T>>('insertOne', res, 'insertedId', (v) => v !== undefined && v !== null) };
      },
      async insertMany(documents: readonly OptionalId<T>[], options?: CallOptions): Promise<InsertManyResult<IdOf<T>>> {
        const res = await call<Document>('insertMany', name, { documents }, options);
        return { insertedIds: expect<IdOf<T>[]>('insertMany', res, 'insertedIds', Array.isArray) };
      },
      async updateOne(filter: Filter<T>, update: Update<T>, options: UpdateOptions = {}): Promise<UpdateResult> {
        const { timeoutMs, upsert } = options;
        const body: Document = { filter, update };
        if (upsert !== undefined) body.upsert = upsert;
        return updateResult('updateOne', await call<Document>('updateOne', name, body, { timeoutMs }));
      },
      async updateMany(filter: Filter<T>, update: Update<T>, options: UpdateOptions = {}): Promise<UpdateResult> {
        const { timeoutMs, upsert } = options;
        const body: Document = { filter, update };
        if (upsert !== undefined) body.upsert = upsert;
        return updateResult('updateMany', await call<Document>('updateMany', name, body, { timeoutMs }));
      },
      async findOneAndUpdate<R = WithId<T>>(
        filter: Filter<T>,
        update: Update<T>,
        options: FindOneAndUpdateOptions = {},
      ): Promise<R | null> {
        const { timeoutMs, ...rest } = options;
        const res = await call<Document>('findOneAndUpdate', name, { filter, update, ...rest }, { timeoutMs });
        return expect<R | null>('findOneAndUpdate', res, 'document', (v) => v === null || isPlainObject(v));
      },
      async deleteOne(filter: Filter<T>, options?: CallOptions): Promise<DeleteResult> {
        const res = await call<Document>('deleteOne', name, { filter }, options);
        return { deletedCount: expect<number>('deleteOne', res, 'deletedCount', isCount) };
      },
      async deleteMany(filter: Filter<T>, options?: CallOptions): Promise<DeleteResult> {
        const res = await call<Document>('deleteMany', name, { filter }, options);
        return { deletedCount: expect<number>('deleteMany', res, 'deletedCount', isCount) };
      },
      async aggregate<R = Document>(pipeline: readonly Document[], options?: CallOptions): Promise<R[]> {
        const res = await call<Document>('aggregate', name, { pipeline }, options);
        return expect<R[]>('aggregate', res, 'documents', Array.isArray);
      },
    };
  }

  return {
    database: config.database,
    dataSource: config.dataSource,
    stats,
    collection,
    withDatabase: (database: string) => buildClient({ ...config, database }, stats),
    resetStats() {
      stats.calls = 0;
      stats.errors = 0;
      stats.byAction = {};
      stats.totalMs = 0;
    },
    action: call,
  };
}

/** Maps a non-2xx response to the matching typed error. */
function httpError(action: DataApiAction, status: number, text: string): DataApiError {
  let body: unknown = text;
  try {
    body = EJSON.parse(text);
  } catch {
    // not JSON (proxy error page, ...): keep the text
  }
  const obj: Document = isPlainObject(body) ? body : {};
  const serverMessage =
    typeof obj.error === 'string' ? obj.error : typeof body === 'string' && body ? body.slice(0, 300) : '';
  const code = typeof obj.error_code === 'string' ? obj.error_code : `HTTP${status}`;
  const mongoCode = typeof obj.code === 'number' ? obj.code : undefined;
  const message = `Data API ${action} failed (${status} ${code})${serverMessage ? `: ${serverMessage}` : ''}`;
  const init = { status, code, action, mongoCode, body };

  if (mongoCode === 11000 || code === 'DuplicateKey' || /\bE11000\b/.test(serverMessage)) {
    return new DuplicateKeyError(message, {
      ...init,
      keyPattern: isPlainObject(obj.keyPattern) ? obj.keyPattern : undefined,
      keyValue: isPlainObject(obj.keyValue) ? obj.keyValue : undefined,
    });
  }
  if (status === 401 || status === 403) return new DataApiAuthError(message, init);
  if (status >= 500 || status === 429) return new DataApiUnavailableError(message, init);
  return new DataApiError(message, init);
}

function withoutUndefined(body: Document): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(body)) if (v !== undefined) out[k] = v;
  return out;
}

function isPlainObject(v: unknown): v is Document {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
