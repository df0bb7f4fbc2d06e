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

import { DEVELOPMENT_ADMIN_PASSWORD } from './passwords.ts';

type Json = Record<string, unknown>;
type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

const DOCUMENT_INFO = {
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

/**
 * How to call the operation, from its access declaration (src/middleware/access.ts): the same
 * object that enforces it, so the text cannot claim a credential the route refuses.
 */
function authenticationText(op: Json): string {
  const scope = op['x-api-key-scope'];
  if (scope === 'none' || !(op.security as Json[] | undefined)?.length)
    return 'Authentication: none needed (a token, when sent, is verified and then decides the tenant).';
  if (scope === 'user-token-only') {
    const roles = op['x-roles'] as string[] | undefined;
    const who = [
      roles?.length ? `holding ${roles.map((r) => `\`${r}\``).join(' or ')}` : '',
      op['x-platform-admin'] ? 'of the platform tenant' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const note = typeof op['x-access-note'] === 'string' ? ` ${op['x-access-note']}` : '';
    return `Authentication: \`Authorization: Bearer <access token>\` of a user${who ? ' ' + who : ''}; API keys are refused (403).${note}`;
  }
  const alternative = typeof op['x-access-note'] === 'string' ? ` Without credentials: ${op['x-access-note']}.` : '';
  return `Authentication: \`Authorization: Bearer <access token>\` or \`X-API-Key\`; either needs the permission \`${String(scope)}\` (403 without).${alternative}`;
}

function describe(op: Json): string {
  const text = [op.description, op.summary].find((v) => typeof v === 'string') ?? '';
  const parts = [text.replace(/\.?$/, '.')];
  parts.push(authenticationText(op));
  parts.push('Errors are `application/problem+json`; see the listed responses.');
  return parts.join('\n\n');
}

const singular = (word: string) =>
  word.endsWith('ies')
    ? word.slice(0, -3) + 'y'
    : /(ss|x|ch|sh)es$/.test(word)
      ? word.slice(0, -2)
      : word.replace(/s$/, '');
const pascal = (word: string) =>
  word
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/**
 * A stable operationId from method and path when the route names none: the method, then each
 * static segment, singular before a path parameter: `GET /api/v1/orders/{id}/saga` ->
 * `getOrderSaga`, `POST /api/v1/orders` -> `postOrders`. A clash takes the parameter names too.
 */
function operationIdFor(method: string, path: string, taken: Set<string>): string {
  const segments = path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean);
  const words: string[] = [];
  const params: string[] = [];
  segments.forEach((segment, i) => {
    if (segment.startsWith('{')) {
      params.push(segment.slice(1, -1));
      return;
    }
    const word = segments[i + 1]?.startsWith('{') ? singular(segment) : segment;
    words.push(pascal(word.replace(/^\./, '')));
  });
  let id = method + words.join('');
  if (taken.has(id))
    id += params.length ? 'By' + params.map(pascal).join('And') : path.startsWith('/api/v1') ? 'V1' : 'Root';
  for (let n = 2; taken.has(id); n++) id = id.replace(/\d*$/, String(n));
  taken.add(id);
  return id;
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

/**
 * Values a person would type, by property name, so examples read like requests (and the
 * sign-in example works against `npm run dev`: the seeded admin and its password).
 */
const NAME_EXAMPLES: Record<string, string> = {
  login: 'admin',
  password: DEVELOPMENT_ADMIN_PASSWORD,
  username: 'jane_doe',
  firstName: 'Jane',
  lastName: 'Doe',
  name: 'Trail Running Shoe',
  slug: 'trail-running-shoe',
  sku: 'TRS-42-BLU',
  title: 'Great grip on wet trails',
  body: 'Fits true to size; the sole grips well on wet rock.',
  comment: 'Fits true to size; the sole grips well on wet rock.',
  message: 'Thank you for the review: we passed it on to our design team.',
  reason: 'Customer request',
  street: '742 Evergreen Terrace',
  city: 'Portland',
  state: 'OR',
  zipCode: '97201',
  postalCode: '97201',
  country: 'US',
  phone: '+15035550123',
  currency: 'USD',
  permissions: 'read:products',
  scopes: 'read:products',
  permission: 'read:products',
  scope: 'read:products',
  domain: 'shop.example.com',
};

function stringExample(name: string, schema: Json): string {
  const format = typeof schema.format === 'string' ? FORMAT_EXAMPLES[schema.format] : undefined;
  if (typeof format === 'string') return format;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 1;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : 40;
  const base = NAME_EXAMPLES[name] ?? (/password/i.test(name) ? DEVELOPMENT_ADMIN_PASSWORD : name || 'text');
  return base.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, base.length)));
}

/**
 * An example value for a JSON schema: its `example`/`examples`/`default`/`const`/first
 * enum value, else one built from its type, format and bounds (required properties only,
 * plus optional ones that carry an example).
 */
function exampleFor(doc: Doc, raw: Json, name = '', depth = 0, opts: { optional?: boolean } = {}): unknown {
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
      return exampleFor(doc, option, name, depth + 1, opts);
    }
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return Object.assign({}, ...(schema.allOf as Json[]).map((s) => exampleFor(doc, s, name, depth + 1, opts)));
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, Json>;
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const out: Json = {};
      for (const [key, prop] of Object.entries(properties)) {
        const resolved = resolve(doc, prop);
        if (!required.has(key) && resolved.example === undefined && !opts.optional) continue;
        const value = exampleFor(doc, prop, key, depth + 1, opts);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    case 'array': {
      const item = schema.items
        ? exampleFor(doc, schema.items as Json, name.replace(/s$/, ''), depth + 1, opts)
        : undefined;
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
function completeDocument(doc: Doc): Doc {
  registerErrorResponses(doc);
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Record<string, Json | undefined>)[method];
      if (!op) continue;
      op.operationId ??= operationIdFor(method, path, operationIds);
      op.description = describe(op);
      const responses = (op.responses ??= {}) as Record<string, Json>;
      for (const status of standardStatuses(path, op)) responses[String(status)] ??= errorRef(status);
      const media = ((op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.[
        'application/json'
      ];
      if (media && media.example === undefined && media.examples === undefined && media.schema) {
        media.example = exampleFor(doc, media.schema as Json);
      }
      // Each success answer in JSON shows an example too, built the same way from its schema.
      for (const [status, response] of Object.entries(responses)) {
        if (!/^2/.test(status)) continue;
        const json = ((response as Json).content as Record<string, Json> | undefined)?.['application/json'];
        if (json?.schema && json.example === undefined && json.examples === undefined)
          json.example = exampleFor(doc, json.schema as Json, '', 0, { optional: true });
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
