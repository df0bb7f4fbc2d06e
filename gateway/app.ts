/**
 * MongoDB Data API v1 server ("Mongo over HTTP" for the Worker), as a Hono app.
 *
 * Routes (see gateway/README.md for the full request/response/error reference):
 *   POST /action/:action                               (also /app/:appId/endpoint/data/v1/action/:action)
 *        find | findOne | insertOne | insertMany | updateOne | updateMany | deleteOne | deleteMany | aggregate
 *   GET  /health                                       pings MongoDB; no API key needed
 *
 * Requests: `api-key` header; body `application/ejson` or `application/json` (both
 * parsed as Extended JSON, so `{"$oid": ...}`/`{"$date": ...}` work in either).
 * Responses: canonical EJSON (`application/ejson`), or relaxed EJSON when the client
 * sends `accept: application/json` only (the Atlas Data API behaviour).
 *
 * Number types: requests are parsed with `relaxed: false`, so Int32/Double/Long sent by
 * the client are written with that BSON type. Reads use the driver's default promotion
 * (`promoteValues: false` would also leave error codes as Int32 and break the driver's
 * retry/failover logic), so numbers are answered by value: 300.0 stored as a double
 * comes back as {"$numberInt":"300"}; longs beyond 2^53 stay {"$numberLong"}.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EJSON } from 'bson';
import type { Document as BsonDocument } from 'bson';
import { Hono } from 'hono';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { MongoError, MongoServerError } from 'mongodb';
import type { MongoClient } from 'mongodb';
import { z } from 'zod';

import { DATA_API_ACTIONS, type DataApiAction } from '../src/db/mongo/types.ts';

export interface GatewayOptions {
  client: MongoClient;
  /** Accepted values of the `api-key` header. At least one, each >= 16 characters. */
  apiKeys: string[];
  /** If set, requests must name this `dataSource`; otherwise any non-empty name is accepted. */
  dataSource?: string;
  /** If set, only these databases can be used. */
  databases?: string[];
  /** Maximum request body in bytes. Default 16 MiB + 1 MiB of EJSON overhead. */
  maxBodyBytes?: number;
  /** Cap on `limit` for find; also applied when find has no limit. Default 50,000. */
  maxFindLimit?: number;
  /** Called with unexpected (500) errors. Default: console.error. */
  onError?: (err: unknown, info: { action?: string; path: string }) => void;
}

type Doc = Record<string, unknown>;

/** The nine Data API v1 actions plus findOneAndUpdate: one list, shared with the Worker's client. */
const ACTIONS = DATA_API_ACTIONS;
type Action = DataApiAction;

/** Error body of every non-2xx answer. */
export interface GatewayErrorBody {
  error: string;
  error_code: string;
  /** MongoDB server error code (11000 duplicate key, 115 CommandNotSupported, ...). */
  code?: number;
  keyPattern?: Doc;
  keyValue?: Doc;
  /** insertMany (ordered) hitting a duplicate: how many documents before it were inserted. */
  insertedCount?: number;
  /** Validation issues: [{ path: 'limit', message: '...' }]. */
  details?: { path: string; message: string }[];
}

class HttpError extends Error {
  readonly status: number;
  readonly body: GatewayErrorBody;
  constructor(status: number, body: GatewayErrorBody) {
    super(body.error);
    this.status = status;
    this.body = body;
  }
}

const badRequest = (error: string, details?: GatewayErrorBody['details']): HttpError =>
  new HttpError(400, { error, error_code: 'InvalidParameter', ...(details ? { details } : {}) });

// ---------------------------------------------------------------- validation

function isPlainObject(v: unknown): v is Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Canonical EJSON numbers parse to Int32/Double/Long wrappers: unwrap for option fields. */
function toNumber(v: unknown): unknown {
  // Duck-typed: the driver (CJS) and this module (ESM) load different copies of bson.
  if (typeof v === 'object' && v !== null && '_bsontype' in v) {
    const t = v._bsontype;
    if (t === 'Int32' || t === 'Double') return Number(v.valueOf());
    if (t === 'Long' && 'toNumber' in v && typeof v.toNumber === 'function') return Number(v.toNumber());
  }
  return v;
}

/** Deep copy converting number wrappers to JS numbers (sort and projection specs). */
function toNative(v: unknown): unknown {
  const n = toNumber(v);
  if (n !== v) return n;
  if (Array.isArray(v)) return v.map(toNative);
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toNative(x)]));
  return v;
}

const RESERVED_DATABASES = new Set(['admin', 'local', 'config']);
// MongoDB: database names are < 64 bytes and contain none of /\. "$*<>:|? or NUL.
const DATABASE_RE = /^[^/\\. "$*<>:|?\0]{1,63}$/;

function databaseIssue(name: string): string | undefined {
  if (!DATABASE_RE.test(name)) return 'must be 1-63 characters without /\\. "$*<>:|?';
  if (RESERVED_DATABASES.has(name.toLowerCase())) return `"${name}" is a reserved database`;
  return undefined;
}

function collectionIssue(name: string): string | undefined {
  if (name.length === 0 || name.length > 255) return 'must be 1-255 characters';
  if (name.includes('$') || name.includes('\0')) return 'must not contain "$" or NUL';
  if (name.startsWith('.') || name.endsWith('.')) return 'must not start or end with "."';
  if (name.startsWith('system.')) return 'system collections are not accessible';
  return undefined;
}

/** Error map: "is required" for a missing field, "must be <what>" for a wrong type, zod's text otherwise. */
const expect =
  (what: string) =>
  (iss: { code?: string; input?: unknown }): string | undefined =>
    iss.input === undefined
      ? 'is required'
      : iss.code === 'invalid_type' || iss.code === 'custom'
        ? `must be ${what}`
        : undefined;

const str = z.string({ error: expect('a string') });
const plainObject = z.custom<Doc>(isPlainObject, { error: expect('an object') });
/** Optional object; `null` counts as absent. */
const optObject = z.preprocess((v) => (v === null ? undefined : v), plainObject.optional());
const count = (max?: number) => {
  const n = z
    .number({ error: expect('a number') })
    .int('must be an integer')
    .min(0, 'must be >= 0');
  return z.preprocess(
    (v) => (v === null ? undefined : toNumber(v)),
    (max === undefined ? n : n.max(max, `must be <= ${max}`)).optional(),
  );
};
const optBool = z.preprocess((v) => (v === null ? undefined : v), z.boolean({ error: expect('a boolean') }).optional());

function updateSpec(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0 && v.every(isPlainObject);
  if (!isPlainObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}
const update = z.custom<Doc | Doc[]>(updateSpec, {
  error: expect('an update document with operators only ($set, $inc, ...) or an update pipeline (array)'),
});

const BLOCKED_STAGES = new Set(['$out', '$merge', '$currentOp', '$listSessions', '$listLocalSessions']);
const FOREIGN_COLLECTION_STAGES = ['$lookup', '$graphLookup', '$unionWith'];

function pipelineIssue(pipeline: Doc[]): string | undefined {
  for (const [i, stage] of pipeline.entries()) {
    const keys = Object.keys(stage);
    const op = keys[0];
    if (keys.length !== 1 || op === undefined || !op.startsWith('$')) {
      return `pipeline[${i}] must be an object with exactly one $-prefixed stage name`;
    }
    if (BLOCKED_STAGES.has(op)) return `pipeline[${i}]: stage ${op} is not allowed through the gateway`;
    if (FOREIGN_COLLECTION_STAGES.includes(op)) {
      const arg = stage[op];
      const from = typeof arg === 'string' ? arg : isPlainObject(arg) ? (arg.from ?? arg.coll) : undefined;
      if (from !== undefined && typeof from !== 'string') {
        return `pipeline[${i}]: ${op} must name a collection of the same database`;
      }
      const issue = from === undefined ? undefined : collectionIssue(from);
      if (issue) return `pipeline[${i}]: ${op} collection ${JSON.stringify(from)} ${issue}`;
      if (isPlainObject(arg) && Array.isArray(arg.pipeline)) {
        const inner = pipelineIssue(arg.pipeline.filter(isPlainObject));
        if (inner) return `pipeline[${i}].${op}.pipeline: ${inner}`;
      }
    }
  }
  return undefined;
}

function schemas(maxFindLimit: number) {
  const base = { dataSource: str.min(1, 'must not be empty'), database: str, collection: str };
  return {
    find: z.strictObject({
      ...base,
      filter: optObject,
      projection: optObject,
      sort: optObject,
      limit: count(maxFindLimit),
      skip: count(),
      // Not in Atlas's Data API v1: the index to use (name or key pattern); see src/db/mongo/serving-index.ts.
      hint: z.preprocess(
        (v) => (v === null ? undefined : v),
        z
          .union([str.min(1, 'must not be empty'), plainObject], { error: expect('an index name or key pattern') })
          .optional(),
      ),
    }),
    findOne: z.strictObject({ ...base, filter: optObject, projection: optObject }),
    insertOne: z.strictObject({ ...base, document: plainObject }),
    insertMany: z.strictObject({
      ...base,
      documents: z.array(plainObject, { error: expect('an array of objects') }).min(1, 'must not be empty'),
    }),
    updateOne: z.strictObject({ ...base, filter: plainObject, update, upsert: optBool }),
    updateMany: z.strictObject({ ...base, filter: plainObject, update, upsert: optBool }),
    // Not in Atlas's Data API v1: MongoDB's findAndModify, one atomic conditional update that
    // returns the document (the catalog's stock reservation needs the new stock and the slug).
    findOneAndUpdate: z.strictObject({
      ...base,
      filter: plainObject,
      update,
      upsert: optBool,
      projection: optObject,
      returnDocument: z.preprocess(
        (v) => (v === null ? undefined : v),
        z.enum(['before', 'after'], { error: expect('"before" or "after"') }).optional(),
      ),
    }),
    deleteOne: z.strictObject({ ...base, filter: plainObject }),
    deleteMany: z.strictObject({ ...base, filter: plainObject }),
    aggregate: z.strictObject({
      ...base,
      pipeline: z.array(plainObject, { error: expect('an array of stage objects') }),
    }),
  } satisfies Record<Action, z.ZodType>;
}

function issuesToDetails(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
    return { path: issue.path.map(String).join('.') || '(body)', message };
  });
}

// ---------------------------------------------------------------- auth

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function makeKeyCheck(apiKeys: string[]): (candidate: string) => boolean {
  const keys = apiKeys.map((k) => k.trim()).filter(Boolean);
  if (keys.length === 0) throw new Error('createGatewayApp: at least one API key is required');
  for (const k of keys) if (k.length < 16) throw new Error('createGatewayApp: API keys must be at least 16 characters');
  const digests = keys.map(digest);
  return (candidate) => {
    // Fixed-length digests + timingSafeEqual, and no early exit over the key list.
    const d = digest(candidate);
    let ok = false;
    for (const k of digests) ok = timingSafeEqual(d, k) || ok;
    return ok;
  };
}

// ---------------------------------------------------------------- errors

const NETWORK_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoServerClosedError',
  'MongoPoolClosedError',
  'MongoWaitQueueTimeoutError',
]);
// Server codes meaning "try again later" rather than "your request is wrong".
const UNAVAILABLE_CODES = new Set([6, 7, 89, 91, 189, 10107, 11600, 11602, 13435, 13436, 112, 117]);
const TIMEOUT_CODES = new Set([50, 262]);

function mongoToHttp(err: unknown): HttpError | undefined {
  if (!(err instanceof MongoError)) return undefined;
  const name = err.constructor.name;
  if (NETWORK_ERRORS.has(name) || err.name === 'MongoServerSelectionError') {
    return new HttpError(503, { error: `database unavailable: ${err.message}`, error_code: 'ServiceUnavailable' });
  }
  if (name === 'MongoOperationTimeoutError') {
    return new HttpError(504, { error: `database operation timed out: ${err.message}`, error_code: 'Timeout' });
  }
  const rawCode = toNumber(err.code);
  const code = typeof rawCode === 'number' ? rawCode : undefined;
  if (code === 11000 || code === 11001) {
    // insertOne/update: keyPattern/keyValue are on the error itself; insertMany
    // (MongoBulkWriteError): on the raw write error. FerretDB v2 sends neither.
    const e = err as MongoError & {
      keyPattern?: unknown;
      keyValue?: unknown;
      writeErrors?: { err?: { keyPattern?: unknown; keyValue?: unknown } }[];
      result?: { insertedCount?: unknown };
    };
    const raw = Array.isArray(e.writeErrors) ? e.writeErrors[0]?.err : undefined;
    const keyPattern = e.keyPattern ?? raw?.keyPattern;
    const keyValue = e.keyValue ?? raw?.keyValue;
    const body: GatewayErrorBody = { error: err.message, error_code: 'DuplicateKey', code: 11000 };
    if (isPlainObject(keyPattern)) body.keyPattern = keyPattern;
    if (isPlainObject(keyValue)) body.keyValue = keyValue;
    if (typeof e.result?.insertedCount === 'number') body.insertedCount = e.result.insertedCount;
    return new HttpError(409, body);
  }
  if (err instanceof MongoServerError) {
    const codeName = typeof err.codeName === 'string' && err.codeName ? err.codeName : 'MongoServerError';
    if (code !== undefined && TIMEOUT_CODES.has(code)) {
      return new HttpError(504, { error: err.message, error_code: codeName, code });
    }
    if (
      (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
      err.hasErrorLabel('RetryableWriteError') ||
      err.hasErrorLabel('TransientTransactionError')
    ) {
      return new HttpError(503, { error: err.message, error_code: codeName, ...(code !== undefined ? { code } : {}) });
    }
    // Bad query/update/pipeline, unsupported operator, ...
    return new HttpError(400, { error: err.message, error_code: codeName, ...(code !== undefined ? { code } : {}) });
  }
  // Driver-side argument errors (MongoInvalidArgumentError, BSON errors, ...).
  if (name === 'MongoInvalidArgumentError' || name === 'MongoParseError' || name === 'MongoAPIError') {
    return new HttpError(400, { error: err.message, error_code: 'InvalidParameter' });
  }
  return undefined;
}

// ---------------------------------------------------------------- responses

function wantsRelaxed(c: Context): boolean {
  const accept = (c.req.header('accept') ?? '').toLowerCase();
  return accept.includes('application/json') && !accept.includes('application/ejson');
}

function send(c: Context, status: number, payload: unknown): Response {
  const relaxed = wantsRelaxed(c);
  return new Response(EJSON.stringify(payload, { relaxed }), {
    status,
    headers: { 'content-type': relaxed ? 'application/json' : 'application/ejson', 'cache-control': 'no-store' },
  });
}

const sendError = (c: Context, err: HttpError): Response => send(c, err.status, err.body);

// ---------------------------------------------------------------- app

export function createGatewayApp(options: GatewayOptions): Hono {
  const { client } = options;
  const checkKey = makeKeyCheck(options.apiKeys);
  const maxFindLimit = options.maxFindLimit ?? 50_000;
  const maxBodyBytes = options.maxBodyBytes ?? 17 * 1024 * 1024;
  const allowedDatabases = options.databases ? new Set(options.databases) : undefined;
  const bodySchemas = schemas(maxFindLimit);
  const onError =
    options.onError ??
    ((err: unknown, info: { action?: string; path: string }) =>
      console.error(`[gateway] ${info.action ?? info.path} failed:`, err));

  const app = new Hono();

  app.get('/health', async (c) => {
    try {
      await withTimeout(client.db('admin').command({ ping: 1 }), 3000);
      return c.json({ status: 'ok' });
    } catch (err) {
      // The kind of failure only: a driver message can name hosts and users, and health needs no key.
      return c.json({ status: 'unavailable', error: err instanceof Error ? err.name : 'Error' }, 503);
    }
  });

  const handler = async (c: Context): Promise<Response> => {
    const action = c.req.param('action') ?? '';
    if (!(ACTIONS as readonly string[]).includes(action)) {
      return sendError(
        c,
        new HttpError(404, {
          error: `unknown action "${action}"; expected one of ${ACTIONS.join(', ')}`,
          error_code: 'UnknownAction',
        }),
      );
    }
    try {
      return send(c, 200, await run(c, action as Action));
    } catch (err) {
      if (err instanceof HttpError) return sendError(c, err);
      const mapped = mongoToHttp(err);
      if (mapped) return sendError(c, mapped);
      onError(err, { action, path: c.req.path });
      return sendError(c, new HttpError(500, { error: 'internal error', error_code: 'InternalServerError' }));
    }
  };

  const auth = async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const key = c.req.header('api-key');
    if (!key) {
      return sendError(c, new HttpError(401, { error: 'missing api-key header', error_code: 'MissingAuthArgs' }));
    }
    if (!checkKey(key)) {
      return sendError(c, new HttpError(401, { error: 'invalid API key', error_code: 'InvalidAPIKey' }));
    }
    await next();
  };

  const limit = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) =>
      sendError(
        c,
        new HttpError(413, { error: `request body exceeds ${maxBodyBytes} bytes`, error_code: 'PayloadTooLarge' }),
      ),
  });

  for (const path of ['/action/:action', '/app/:appId/endpoint/data/v1/action/:action']) {
    app.post(path, auth, limit, handler);
    app.on(['GET', 'PUT', 'PATCH', 'DELETE'], path, (c) =>
      sendError(c, new HttpError(405, { error: 'use POST', error_code: 'MethodNotAllowed' })),
    );
  }

  app.notFound((c) =>
    sendError(c, new HttpError(404, { error: `no route ${c.req.method} ${c.req.path}`, error_code: 'NotFound' })),
  );
  app.onError((err, c) => {
    onError(err, { path: c.req.path });
    return sendError(c, new HttpError(500, { error: 'internal error', error_code: 'InternalServerError' }));
  });

  async function readBody(c: Context): Promise<unknown> {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== '' && type !== 'application/json' && type !== 'application/ejson') {
      throw new HttpError(415, {
        error: `unsupported content-type "${type}"; use application/ejson or application/json`,
        error_code: 'UnsupportedMediaType',
      });
    }
    const text = await c.req.text();
    if (!text.trim()) throw badRequest('request body is empty');
    try {
      // relaxed: false keeps number types (Int32/Double/Long) for documents and filters.
      return EJSON.parse(text, { relaxed: false });
    } catch (err) {
      throw new HttpError(400, {
        error: `request body is not valid Extended JSON: ${err instanceof Error ? err.message : String(err)}`,
        error_code: 'InvalidJSON',
      });
    }
  }

  async function run(c: Context, action: Action): Promise<unknown> {
    const raw = await readBody(c);
    if (!isPlainObject(raw)) throw badRequest('request body must be a JSON object');
    const parsed = bodySchemas[action].safeParse(raw);
    if (!parsed.success) {
      const details = issuesToDetails(parsed.error);
      throw badRequest(
        `invalid ${action} request: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`,
        details,
      );
    }
    const body = parsed.data as Doc & { dataSource: string; database: string; collection: string };

    if (options.dataSource !== undefined && body.dataSource !== options.dataSource) {
      throw badRequest(`unknown dataSource "${body.dataSource}"`, [
        { path: 'dataSource', message: 'unknown data source' },
      ]);
    }
    const dbIssue = databaseIssue(body.database);
    if (dbIssue) throw badRequest(`invalid database name: ${dbIssue}`, [{ path: 'database', message: dbIssue }]);
    if (allowedDatabases && !allowedDatabases.has(body.database)) {
      throw new HttpError(403, { error: `database "${body.database}" is not allowed`, error_code: 'Forbidden' });
    }
    const collIssue = collectionIssue(body.collection);
    if (collIssue)
      throw badRequest(`invalid collection name: ${collIssue}`, [{ path: 'collection', message: collIssue }]);

    const coll = client.db(body.database).collection<BsonDocument>(body.collection);
    const filter = (body.filter ?? {}) as BsonDocument;

    switch (action) {
      case 'find': {
        const limitValue = (body.limit as number | undefined) ?? 0;
        const cursor = coll.find(filter, {
          projection: body.projection ? (toNative(body.projection) as BsonDocument) : undefined,
          sort: body.sort ? (toNative(body.sort) as Record<string, 1 | -1>) : undefined,
          skip: body.skip as number | undefined,
          limit: limitValue === 0 ? maxFindLimit : limitValue,
          ...(body.hint !== undefined ? { hint: body.hint as string | BsonDocument } : {}),
        });
        return { documents: await cursor.toArray() };
      }
      case 'findOne': {
        const document = await coll.findOne(filter, {
          projection: body.projection ? (toNative(body.projection) as BsonDocument) : undefined,
        });
        return { document };
      }
      case 'insertOne': {
        const res = await coll.insertOne(body.document as BsonDocument);
        return { insertedId: res.insertedId };
      }
      case 'insertMany': {
        const docs = body.documents as BsonDocument[];
        const res = await coll.insertMany(docs, { ordered: true });
        return { insertedIds: docs.map((_, i) => res.insertedIds[i]) };
      }
      case 'updateOne':
      case 'updateMany': {
        const upd = body.update as BsonDocument | BsonDocument[];
        const opts = { upsert: body.upsert === true };
        const res =
          action === 'updateOne' ? await coll.updateOne(filter, upd, opts) : await coll.updateMany(filter, upd, opts);
        const out: Doc = { matchedCount: res.matchedCount, modifiedCount: res.modifiedCount };
        if (res.upsertedCount > 0 && res.upsertedId != null) out.upsertedId = res.upsertedId;
        return out;
      }
      case 'findOneAndUpdate': {
        const document = await coll.findOneAndUpdate(filter, body.update as BsonDocument | BsonDocument[], {
          upsert: body.upsert === true,
          returnDocument: body.returnDocument === 'before' ? 'before' : 'after',
          projection: body.projection ? (toNative(body.projection) as BsonDocument) : undefined,
          includeResultMetadata: false,
        });
        return { document };
      }
      case 'deleteOne':
      case 'deleteMany': {
        const res = action === 'deleteOne' ? await coll.deleteOne(filter) : await coll.deleteMany(filter);
        return { deletedCount: res.deletedCount };
      }
      case 'aggregate': {
        const pipeline = body.pipeline as Doc[];
        const issue = pipelineIssue(pipeline);
        if (issue) throw badRequest(issue, [{ path: 'pipeline', message: issue }]);
        return { documents: await coll.aggregate(pipeline as BsonDocument[]).toArray() };
      }
    }
  }

  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
