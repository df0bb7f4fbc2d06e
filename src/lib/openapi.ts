/**
 * The OpenAPI document, generated from the routes' zod schemas, then completed in ONE
 * place instead of in every route:
 *  - every operation gets a description (its summary, how to authenticate, the error format);
 *  - every operation lists the errors the shared middleware can answer: 400 (any input),
 *    401 (credentials are checked on every route), 403 (routes with security), 404 (path
 *    parameters), 413/415 (bodies), 422 (Idempotency-Key), 429 (sign-in routes), 500, 503
 *    (a backing store is unavailable);
 *  - every JSON request body gets an example, built from the schema's own examples, formats
 *    and bounds (`exampleFor`); test/worker/openapi-document.test.ts checks each one
 *    against the route's zod schema.
 * Routes still declare their own specific errors (409, 412, 428...) and can override any of this.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';

type Json = Record<string, unknown>;
type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

export const DOCUMENT_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'E-commerce Edge API',
    version: '1.0.0',
    description:
      'Auth, users, orders, payments, catalog, reviews and notifications on Cloudflare Workers. ' +
      'Errors are RFC 9457 `application/problem+json` with the request id; validation errors name each field (`body.email`). ' +
      'Authenticate with `Authorization: Bearer <access token>` (from `POST /api/v1/auth/login`) or `X-API-Key`. ' +
      "Anonymous calls name their tenant with `X-Tenant-ID` or are sent to the tenant's domain.",
  },
  servers: [{ url: '/' }],
} as const;

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };
const STANDARD_ERRORS: Record<number, string> = {
  400: 'Invalid input: the problem names each field (`body.x`, `query.x`, `param.x`, `header.x`)',
  401: 'Missing, invalid or expired credentials',
  403: 'Authenticated, but not allowed (missing permission, role or scope)',
  404: "Not found (also for another tenant's or user's resource)",
  413: 'Body larger than MAX_BODY_BYTES',
  415: 'Body is not application/json',
  422: 'Idempotency-Key already used with a different request',
  429: 'Too many requests; retry after `Retry-After` seconds',
  500: 'Unexpected error; quote the request id',
  503: 'A backing store is unavailable; retry later',
};
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options'] as const;

/** Shared error responses live once in components.responses (`Error400`...); operations refer to them. */
const errorRef = (status: number) => ({ $ref: `#/components/responses/Error${status}` });
function registerErrorResponses(doc: Doc): void {
  const components = (doc.components ??= {}) as Json;
  const responses = (components.responses ??= {}) as Record<string, Json>;
  for (const [status, description] of Object.entries(STANDARD_ERRORS)) {
    responses[`Error${status}`] ??= { description, content: { 'application/problem+json': { schema: PROBLEM_REF } } };
  }
}

/** The error statuses the shared middleware can answer for this operation. */
function standardStatuses(path: string, op: Json): number[] {
  const params = (op.parameters as { name: string; in: string }[] | undefined) ?? [];
  const statuses = [401, 500, 503];
  if (params.length > 0 || op.requestBody) statuses.push(400);
  if (op.security) statuses.push(403);
  if (params.some((p) => p.in === 'path')) statuses.push(404);
  if (op.requestBody) statuses.push(413, 415);
  if (params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')) statuses.push(422);
  if (/\/auth\/(login|register|refresh|2fa|oauth)/.test(path)) statuses.push(429);
  return statuses;
}

function describe(op: Json): string {
  const parts = [String(op.summary ?? '').replace(/\.?$/, '.')];
  const security = op.security as Json[] | undefined;
  parts.push(
    security?.length
      ? 'Authentication: `Authorization: Bearer <access token>` or `X-API-Key`.'
      : 'No credentials needed (a token, when sent, is verified and then decides the tenant).',
  );
  parts.push('Errors are `application/problem+json`; see the listed responses.');
  return parts.join('\n\n');
}

// ---------------------------------------------------------------------------
// Examples from schemas
// ---------------------------------------------------------------------------

function resolve(doc: Doc, schema: Json): Json {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return resolve(doc, ((doc.components?.schemas ?? {}) as Record<string, Json>)[name] ?? {});
}

const FORMAT_EXAMPLES: Record<string, unknown> = {
  email: 'jane.doe@example.com',
  uuid: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
  uri: 'https://example.com/images/1.jpg',
  url: 'https://example.com/images/1.jpg',
  date: '1990-05-17',
  'date-time': '2026-01-01T00:00:00Z',
};

function stringExample(name: string, schema: Json): string {
  const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  if (typeof format === 'string') return format;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 40;
  const base = /password/i.test(name) ? 'Correct-Horse-42' : name || 'text';
  return base.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, base.length)));
}

/**
 * An example value for a JSON schema: its `example`/`examples`/`default`/`const`/first
 * enum value, else one built from its type, format and bounds (required properties only,
 * plus optional ones that carry an example).
 */
export function exampleFor(doc: Doc, raw: Json, name = '', depth = 0): unknown {
  const schema = resolve(doc, raw);
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (depth > 8) return undefined;
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = schema[key] as Json[] | undefined;
    if (options?.length) {
      const option = options.find((o) => resolve(doc, o).type !== 'null') ?? options[0]!;
      return exampleFor(doc, option, name, depth + 1);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return Object.assign({}, ...(schema.allOf as Json[]).map((s) => exampleFor(doc, s, name, depth + 1)));
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Json = {};
      for (const [key, prop] of Object.entries(properties)) {
        const resolved = resolve(doc, prop);
        if (!required.has(key) && resolved.example === undefined) continue;
        const value = exampleFor(doc, prop, key, depth + 1);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case 'array': {
      const item = schema.items ? exampleFor(doc, schema.items as Json, name.replace(/s$/, ''), depth + 1) : undefined;
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      return item === undefined ? [] : Array.from({ length: Math.max(1, min) }, () => item);
    }
    case 'string':
      return stringExample(name, schema);
    case 'integer':
    case 'number': {
      const min =
        typeof schema.minimum === 'number'
          ? schema.minimum
          : typeof schema.exclusiveMinimum === 'number'
            ? schema.exclusiveMinimum + 1
            : 1;
      const max = typeof schema.maximum === 'number' ? schema.maximum : Number.MAX_SAFE_INTEGER;
      return Math.min(Math.max(min, 1), max);
    }
    case 'boolean':
      return true;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------
// The document
// ---------------------------------------------------------------------------

/** Completes a generated document in place (see the file header) and returns it. */
export function completeDocument(doc: Doc): Doc {
  registerErrorResponses(doc);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Json | undefined>)[method];
      if (!op) continue;
      op.description ??= describe(op);
      const responses = (op.responses ??= {}) as Record<string, Json>;
      for (const status of standardStatuses(path, op)) responses[String(status)] ??= errorRef(status);
      const media = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
        'application/json'
      ];
      if (media && media.example === undefined && media.examples === undefined && media.schema) {
        media.example = exampleFor(doc, media.schema as Json);
      }
    }
  }
  return doc;
}

/** The completed document of an app, built once per isolate (routes do not change at run time). */
export function documentServer<E extends Env>(app: OpenAPIHono<E>) {
  let cached: Doc | undefined;
  return () =>
    (cached ??= completeDocument(app.getOpenAPI31Document({ ...DOCUMENT_INFO, servers: [...DOCUMENT_INFO.servers] })));
}
